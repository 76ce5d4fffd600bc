// Shader sources imported as strings (Vite's ?raw; the browser and vitest builds): WGSL and GLSL.
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}

declare module '*.glsl?raw' {
  const source: string;
  export default source;
}
