import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { cspMetaPlugin } from './electron/policy';

// Desktop build: main process, sandboxed preload (CommonJS, as Electron's sandbox requires) and the renderer
// (the same UI that `npm run web` serves in a browser tab).
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { main: resolve(__dirname, 'electron/main.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      rollupOptions: {
        input: { preload: resolve(__dirname, 'electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [cspMetaPlugin()],
    server: { strictPort: true },
    // module workers (TrainPanel, GtkPanel create them so): their dynamic imports (TF.js for the GPU trainer) become chunks
    worker: { format: 'es' },
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
  },
});
