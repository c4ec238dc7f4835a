import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web page of `corch serve` (src/web), built into dist/web and then embedded into dist/web-assets.mjs by
// scripts/embed-web-assets.mjs. Components are written against React's API; they are built with Preact's
// compatible runtime (about a tenth of React's size; docs/web.md has the figures). CORCH_WEB_RUNTIME=react
// builds the same page with React itself, to measure the difference.
// Always a production build, also when started from a test run: vitest sets NODE_ENV=test, with which Vite
// would emit development JSX carrying this machine's source paths.
process.env.NODE_ENV = 'production';
const runtime = process.env.CORCH_WEB_RUNTIME === 'react' ? 'react' : 'preact';
const preactAliases = {
  'react/jsx-runtime': 'preact/jsx-runtime',
  'react/jsx-dev-runtime': 'preact/jsx-runtime',
  'react-dom/client': 'preact/compat/client',
  'react-dom': 'preact/compat',
  react: 'preact/compat',
};

/** Node-only modules of the shared client, swapped for browser stand-ins (see each stand-in's header). */
const browserStandIns = [
  {
    find: /^\.\/ws-connect\.js$/,
    replacement: fileURLToPath(new URL('./src/web/ws-connect-browser.ts', import.meta.url)),
  },
];

export default defineConfig({
  mode: 'production',
  root: fileURLToPath(new URL('./src/web', import.meta.url)),
  base: '/',
  publicDir: false,
  resolve: {
    alias: [...browserStandIns, ...Object.entries(runtime === 'preact' ? preactAliases : {}).map(([find, replacement]) => ({ find, replacement }))],
  },
  define: { 'process.env.NODE_ENV': '"production"' },
  build: {
    outDir: fileURLToPath(new URL(`./${process.env.CORCH_WEB_OUT_DIR ?? 'dist/web'}`, import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Everything is a file: a strict Content-Security-Policy allows no inline script, style or data: URL.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    cssCodeSplit: false,
    reportCompressedSize: false,
  },
});
