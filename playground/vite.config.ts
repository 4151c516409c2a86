import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));

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
  server: { fs: { allow: [repo] } },
  preview: { strictPort: false },
});
