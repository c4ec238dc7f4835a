#!/usr/bin/env node
// Kept to syntax that very old Node versions can parse, so they print this message instead of a SyntaxError.
var v = process.versions.node.split('.').map(Number);
if (v[0] < 20 || (v[0] === 20 && v[1] < 19)) {
  process.stderr.write('corch needs Node.js 20.19 or newer (this is ' + process.version + '). Upgrade Node, or use the single-file binary.\n');
  process.exit(1);
}
import('../dist/cli/main.mjs').then(function (m) { return m.main(); });
