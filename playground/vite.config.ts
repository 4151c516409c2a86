import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));
/** Cross-origin isolation: SharedArrayBuffer (the GPU switch's blocking bridge) needs it. */
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/**
 * The playground: vanilla TS importing the library source (`../src`) directly, so it always
 * runs the working tree. `base: './'` makes `playground/dist` work from any static host or
 * sub-folder. Run from the repository root with `vite --config playground/vite.config.ts`.
 */
export default defineConfig({
  root: here,
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 1000,
  },
  worker: { format: 'es' },
  server: { fs: { allow: [repo] }, headers: isolation },
  preview: { strictPort: false, headers: isolation },
});
