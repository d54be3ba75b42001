#!/usr/bin/env node
// Builds the console (web/) — `npm run build` and `npm start` run it:
//   1. writes the service's OpenAPI document from the Nest app, without a running server
//      (scripts/openapi.ts) → web/generated/openapi.json;
//   2. generates the typed client's types from it (openapi-typescript) → web/generated/api.d.ts;
//   3. type-checks the console against them (tsc -p web): a console that drifts from the API
//      fails here;
//   4. bundles it (vite build) → web/dist, served by the service at `/`;
//   5. prints the JavaScript the first page loads, gzipped, and fails over the budget.
// `--types-only` stops after step 3 (npm run typecheck).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const root = path.resolve(__dirname, '..');
const web = path.join(root, 'web');
const BUDGET_KB = 350;
const log = (m) => process.stderr.write(`[console build] ${m}\n`);

function run(label, args) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: { ...process.env, LOG_LEVEL: 'silent' } });
  if (r.status !== 0) {
    log(`${label} failed (exit ${r.status}); the console was not built.`);
    process.exit(r.status || 1);
  }
}

const bin = (pkg, rel) => path.join(path.dirname(require.resolve(`${pkg}/package.json`, { paths: [root] })), rel);

function generateTypes() {
  run('OpenAPI document', [
    '-r',
    path.join(__dirname, 'swc-register.js'),
    path.join(__dirname, 'openapi.ts'),
    path.join(web, 'generated', 'openapi.json'),
  ]);
  run('openapi-typescript', [
    bin('openapi-typescript', 'bin/cli.js'),
    path.join(web, 'generated', 'openapi.json'),
    '-o',
    path.join(web, 'generated', 'api.d.ts'),
    '--silent',
  ]);
  run('type check (tsc -p web)', [bin('typescript', 'bin/tsc'), '-p', path.join(web, 'tsconfig.json')]);
}

/** JavaScript a first visit loads: index.html's scripts and module preloads, plus the page's own chunk and its imports. */
function firstPageSize(page) {
  const dist = path.join(web, 'dist');
  const manifest = JSON.parse(fs.readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8'));
  const files = new Set();
  const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
  for (const m of html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)) files.add(m[1]);
  const visit = (key) => {
    const entry = manifest[key];
    if (!entry || files.has(`${entry.file}#seen`)) return;
    files.add(entry.file);
    files.add(`${entry.file}#seen`);
    for (const i of entry.imports ?? []) visit(i);
  };
  if (manifest[page]) visit(page);
  let gz = 0;
  let raw = 0;
  for (const f of files) {
    if (f.endsWith('#seen')) continue;
    const buf = fs.readFileSync(path.join(dist, f));
    raw += buf.length;
    gz += zlib.gzipSync(buf, { level: 9 }).length;
  }
  return { gzKb: gz / 1024, rawKb: raw / 1024, files: [...files].filter((f) => !f.endsWith('#seen')).length };
}

generateTypes();
if (process.argv.includes('--types-only')) process.exit(0);
run('vite build', [bin('vite', 'bin/vite.js'), 'build', '--config', path.join(web, 'vite.config.mts'), '--logLevel', 'warn']);
let over = false;
for (const [label, page] of [
  ['sign-in', 'src/pages/SignIn.tsx'],
  ['Today', 'src/pages/Today.tsx'],
]) {
  const s = firstPageSize(page);
  const line = `first page JavaScript (${label}): ${s.gzKb.toFixed(1)} kB gzipped (${s.rawKb.toFixed(1)} kB raw, ${s.files} files); budget ${BUDGET_KB} kB`;
  process.stdout.write(`[console build] ${line}\n`);
  if (s.gzKb > BUDGET_KB) over = true;
}
if (over) {
  log(`OVER BUDGET: the first page's JavaScript exceeds ${BUDGET_KB} kB gzipped; split it (lazy routes) or drop weight.`);
  process.exit(1);
}
