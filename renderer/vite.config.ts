import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { cspMetaPlugin } from '../electron/policy';

// `npm run web`: the app's UI in a browser tab (the same renderer that Electron loads).
// Cross-origin isolation gives the page SharedArrayBuffer: the training worker's kernels then run on threads.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: resolve(__dirname),
  plugins: [cspMetaPlugin()],
  // strictPort: a busy port fails loudly instead of the app moving silently to another
  server: { host: '127.0.0.1', port: 5173, strictPort: true, fs: { allow: [resolve(__dirname, '..')] }, headers: isolation },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, headers: isolation },
  worker: { format: 'es' },
  // pre-bundle at start: discovering these on first load makes Vite reload the page (flaky first runs)
  optimizeDeps: { include: ['three', 'three/examples/jsm/controls/OrbitControls.js', 'fast-png', 'jpeg-js', 'mp4-muxer', 'webm-muxer',
    '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu'] },
  build: { outDir: resolve(__dirname, '../out/web'), emptyOutDir: true },
});
