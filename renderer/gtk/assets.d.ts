// Files imported as URLs (Vite's ?url): the TF.js WebAssembly binaries the GTK lab's worker loads (gram.ts).
declare module '*.wasm?url' {
  const url: string;
  export default url;
}
