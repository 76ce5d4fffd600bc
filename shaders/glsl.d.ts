// Shader sources imported as strings (Vite's ?raw; the renderer's GLSL). WGSL sources are TypeScript modules (shaders/*.wgsl.ts).
declare module '*.glsl?raw' {
  const source: string;
  export default source;
}
