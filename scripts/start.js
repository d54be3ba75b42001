#!/usr/bin/env node
// `npm start`: builds when the sources are newer than dist/, then runs the default witness (its own
// process, key in ./witness) and the service on its embedded defaults (SQLite ledger under ./data,
// Redis at REDIS_URL, mail as .eml files in ./data/outbox), configured to use that witness.
'use strict';
const { spawnSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { startDefaultWitness } = require('./default-witness');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'dist', 'main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

if (!fs.existsSync(entry) || newestMtime(path.join(root, 'src')) > fs.statSync(entry).mtimeMs) {
  process.stderr.write('[safeharbor setup] building (tsc)…\n');
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(r.status || 1);
  require('./copy-assets.js');
  require('./compile-overlays.js');
  fs.utimesSync(entry, new Date(), new Date());
}
// The console (web/dist): rebuilt when its sources or the API it is typed against changed.
const consoleIndex = path.join(root, 'web', 'dist', 'index.html');
const consoleStale = () => {
  if (!fs.existsSync(consoleIndex)) return true;
  const built = fs.statSync(consoleIndex).mtimeMs;
  return [path.join(root, 'web', 'src'), path.join(root, 'src')].some((d) => newestMtime(d) > built);
};
if (consoleStale()) {
  process.stderr.write('[safeharbor setup] building the console (web/)…\n');
  const r = spawnSync(process.execPath, [path.join(__dirname, 'build-web.js')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
}
// The default witness runs as its own process with its key in its own folder (scripts/default-witness.js;
// SAFEHARBOR_WITNESS=off to do without it).
startDefaultWitness({ cli: [process.execPath, path.join(root, 'dist', 'cli', 'main.js')], env: process.env, cwd: root }).then(
  (witness) => {
    if (witness)
      process.stderr.write(
        `[safeharbor setup] witness ${witness.url} (its folder: ${witness.dir}); put it on another machine or account for real protection\n`,
      );
    const child = spawn(process.execPath, [entry, ...process.argv.slice(2)], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...(witness ? witness.env : {}) },
    });
    for (const sig of ['SIGINT', 'SIGTERM'])
      process.on(sig, () => {
        witness?.stop({ kill: false }); // stopped once the service has (it may still offer a checkpoint)
        child.kill(sig);
      });
    child.on('exit', (code, signal) => {
      witness?.stop();
      process.exit(code ?? (signal ? 0 : 1));
    });
  },
  (err) => {
    process.stderr.write(
      `[safeharbor setup] the default witness did not start: ${err.message}\n(SAFEHARBOR_WITNESS=off starts the service without it)\n`,
    );
    process.exit(1);
  },
);
