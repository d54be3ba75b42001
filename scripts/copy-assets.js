#!/usr/bin/env node
// After tsc: copies the non-TypeScript files under src/ (the standalone evidence verifier,
// versioned JSON catalogs) to the same places under dist/, so a build runs without src/.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (!e.name.endsWith('.ts') && !e.name.endsWith('.md')) {
      const out = path.join(root, 'dist', path.relative(path.join(root, 'src'), p));
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.copyFileSync(p, out);
    }
  }
}
walk(path.join(root, 'src'));
