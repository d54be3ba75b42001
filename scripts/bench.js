#!/usr/bin/env node
// `npm run bench -- <name> [args]`: runs bench/<name>.ts (each prints JSON lines {bench, ours, baseline, ratio}).
// With no name, lists the benchmarks.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const benches = fs
  .readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));
const [name, ...rest] = process.argv.slice(2);
if (!name || !benches.includes(name)) {
  process.stderr.write(`usage: npm run bench -- <${benches.join('|')}> [options]\n`);
  process.exit(name ? 2 : 0);
}
const r = spawnSync(
  process.execPath,
  ['--expose-gc', '-r', path.join(__dirname, 'swc-register.js'), path.join(root, 'bench', `${name}.ts`), ...rest],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL || 'silent' },
  },
);
process.exit(r.status === null ? 1 : r.status);
