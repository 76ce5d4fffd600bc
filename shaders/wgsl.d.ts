// WGSL sources imported as strings (Vite's ?raw; the browser and vitest builds).
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
