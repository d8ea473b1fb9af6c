import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The gateway serves the built app at "/": workers and lazy chunks are loaded by absolute URL under that base.
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    reportCompressedSize: false,
  },
  server: { fs: { allow: ['..'] } },
});
