import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Two pages, built into dist/renderer and served by the node (viewer at /, studio at /studio/). */
export default defineConfig({
  root: here('.'),
  base: '/',
  publicDir: false,
  build: {
    outDir: here('../dist/renderer'),
    emptyOutDir: true,
    target: ['es2020', 'safari14'],
    sourcemap: true,
    // mediabunny (~700 KB) is loaded only when the studio's clip editor opens; the viewer never
    // fetches it (its budget is checked by the bench).
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      input: {
        viewer: here('viewer/index.html'),
        studio: here('studio/index.html'),
      },
    },
  },
});
