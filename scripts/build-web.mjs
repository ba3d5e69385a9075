#!/usr/bin/env node
// Builds the web console (web/) into web/dist with Vite's JS API. Offline: everything is bundled, no CDN.
import { build } from 'vite';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webRoot = path.join(root, 'web');

await build({
  root: webRoot,
  configFile: false,
  base: './',
  logLevel: process.env.CI ? 'warn' : 'info',
  build: {
    outDir: path.join(webRoot, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 800,
  },
  // The console imports @darkroom/sdk from source (sdk/src) and its node-forge dependency from the root node_modules.
  server: { fs: { allow: [root] } },
  define: { 'process.env.NODE_DEBUG': 'false' },
});
