#!/usr/bin/env node
// Kept to syntax that very old Node versions can parse, so they print this message instead of a SyntaxError.
var v = process.versions.node.split('.').map(Number);
if (v[0] < 20 || (v[0] === 20 && v[1] < 19)) {
  process.stderr.write('corch needs Node.js 20.19 or newer (this is ' + process.version + '). Upgrade Node, or use the single-file binary.\n');
  process.exit(1);
}
import('node:module')
  .then(function (m) {
    // Node 22.1+ keeps the compiled CLI on disk between runs, for a faster start; older versions skip it.
    if (typeof m.enableCompileCache === 'function') m.enableCompileCache();
    return import('../dist/cli/main.mjs');
  })
  .then(function (m) { return m.main(); }, function (error) {
    // A checkout installed with --ignore-scripts has no dist/: say how to build it rather than print a stack.
    if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).indexOf('dist/cli/main.mjs') !== -1) {
      process.stderr.write('corch: the CLI is not built yet (dist/ is missing). Run `npm run build` in the checkout.\n');
      process.exit(1);
    }
    throw error;
  });
