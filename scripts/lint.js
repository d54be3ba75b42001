#!/usr/bin/env node
// `npm run lint`: ESLint (eslint.config.mjs), the import boundaries (.dependency-cruiser.cjs) and `prettier --check`,
// run side by side; prints each tool's output and fails if any of them fails. `npm test` runs it first.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bin = (pkg, file) => path.join(root, 'node_modules', pkg, file);
const cache = path.join(root, 'node_modules', '.cache');
const checks = [
  {
    name: 'eslint',
    args: [bin('eslint', 'bin/eslint.js'), '--cache', '--cache-location', path.join(cache, 'eslint/'), '.'],
  },
  { name: 'boundaries', args: [bin('dependency-cruiser', 'bin/dependency-cruise.mjs'), 'src', '--config', '.dependency-cruiser.cjs'] },
  {
    name: 'prettier',
    args: [
      bin('prettier', 'bin/prettier.cjs'),
      '--check',
      '--cache',
      '--cache-location',
      path.join(cache, 'prettier/.cache'),
      '--log-level',
      'warn',
      '.',
    ],
  },
];

function run({ name, args }) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env: process.env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ name, code, out, ms: Date.now() - started }));
  });
}

Promise.all(checks.map(run)).then((results) => {
  for (const r of results) {
    const text = r.out.trim();
    console.log(`lint: ${r.name} ${r.code === 0 ? 'ok' : 'FAILED'} (${(r.ms / 1000).toFixed(1)} s)${text ? `\n${text}` : ''}`);
  }
  process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
});
