/// <reference types="node" />
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const COMPRESSIBLE = /\.(js|css|html|svg|json|ttf|map)$/;
/** Brotli's best quality takes ~10 s per MB: used for the files of the first load, not for Monaco's largest. */
const BEST_QUALITY_BELOW = 400 * 1024;

/**
 * `<file>.br` and `<file>.gz` beside every text file of the build: the gateway sends them as they are
 * (gateway/precompressed.ts), so nothing is compressed per request.
 */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'nectar-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    async writeBundle() {
      const files = fs
        .readdirSync(outDir, { recursive: true, encoding: 'utf8' })
        .filter((file) => COMPRESSIBLE.test(file));
      await Promise.all(
        files.map(async (file) => {
          const full = path.join(outDir, file);
          const content = await fs.promises.readFile(full);
          if (content.length < 1024) return;
          const [br, gz] = await Promise.all([
            new Promise<Buffer>((resolve, reject) =>
              zlib.brotliCompress(
                content,
                {
                  params: {
                    [zlib.constants.BROTLI_PARAM_QUALITY]: content.length < BEST_QUALITY_BELOW ? 11 : 9,
                    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: content.length,
                  },
                },
                (error, result) => (error ? reject(error) : resolve(result)),
              ),
            ),
            new Promise<Buffer>((resolve, reject) =>
              zlib.gzip(content, { level: 9 }, (error, result) => (error ? reject(error) : resolve(result))),
            ),
          ]);
          await Promise.all([fs.promises.writeFile(`${full}.br`, br), fs.promises.writeFile(`${full}.gz`, gz)]);
        }),
      );
    },
  };
}

// The gateway serves the built app at "/": workers and lazy chunks are loaded by absolute URL under that base.
export default defineConfig({
  base: '/',
  plugins: [react(), precompress()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    reportCompressedSize: false,
  },
  server: { fs: { allow: ['..'] } },
});
