import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// `npm run web`: the app's UI in a browser tab (the same renderer that Electron loads).
export default defineConfig({
  root: resolve(__dirname),
  server: { host: '127.0.0.1', port: 5173, fs: { allow: [resolve(__dirname, '..')] } },
  preview: { host: '127.0.0.1', port: 4173 },
  build: { outDir: resolve(__dirname, '../out/web'), emptyOutDir: true },
});
