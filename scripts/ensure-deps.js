#!/usr/bin/env node
// Runs before `npm start` and `npm test` (npm's pre-scripts). Uses only Node built-ins, because
// it may run before node_modules exists. It:
//   1. installs npm dependencies when node_modules is missing (npm ci) or older than
//      package-lock.json, or the native SQLite binding is not built (npm install);
//   2. makes sure a Redis answers at REDIS_URL (default redis://127.0.0.1:6379): if none does, it
//      starts a local redis-server under ./data/redis, installing it from the OS packages first
//      (apt-get, when running as root) — otherwise it says exactly how to install it and exits 1;
//   3. for `npm test`, and for `npm start` with LEDGER=postgres: makes sure a PostgreSQL answers
//      (DATABASE_URL, else 127.0.0.1:5432; else apt-get install postgresql as root; else it says
//      exactly how and exits 1) — see scripts/postgres.js;
//   4. for `npm test` only: makes sure Chromium is installed for the console's browser tests
//      (apt-get install chromium as root; otherwise it says how, and those tests skip, loudly);
//   5. for `npm test` only: makes sure poppler-utils (pdftotext, pdftoppm) is installed (apt-get as root).
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const log = (msg) => process.stderr.write(`[safeharbor setup] ${msg}\n`);

function installNpmDependencies() {
  const lock = path.join(root, 'package-lock.json');
  const modules = path.join(root, 'node_modules');
  const marker = path.join(modules, '.package-lock.json');
  const stale = !fs.existsSync(marker) || (fs.existsSync(lock) && fs.statSync(lock).mtimeMs > fs.statSync(marker).mtimeMs + 1000);
  const native = path.join(modules, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (!stale && fs.existsSync(native)) return;
  // A fresh clone gets exactly the lockfile (`npm ci`: it never rewrites package-lock.json, so the
  // checkout stays clean). An existing tree that is behind the lockfile is brought up to it in
  // place (`npm install`), which keeps the native modules already built.
  const args = fs.existsSync(modules) ? ['install', '--no-audit', '--no-fund'] : ['ci', '--no-audit', '--no-fund'];
  log(`installing npm dependencies (npm ${args[0]}, from package-lock.json)…`);
  const r = spawnSync('npm', args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    log(`npm ${args[0]} failed; see the output above.`);
    process.exit(r.status || 1);
  }
}

function redisTarget() {
  const url = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  return { host: url.hostname || '127.0.0.1', port: Number(url.port || 6379), url: url.toString() };
}

function ping({ host, port }, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let data = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      data += d;
      if (data.includes('\r\n')) done(data.startsWith('+PONG') || data.startsWith('-NOAUTH'));
    });
  });
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function installRedisServer() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && which('apt-get')) {
    log('redis-server is not installed: installing it from the OS packages (apt-get install redis-server)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'inherit', env });
    if (r.status === 0 && which('redis-server')) return which('redis-server');
  }
  log('No Redis answers and redis-server is not installed.');
  log('Install it, then run the command again:');
  log('  Debian/Ubuntu: sudo apt-get install redis-server');
  log('  Fedora/RHEL:   sudo dnf install redis');
  log('  macOS:         brew install redis');
  log('or point REDIS_URL at a running Redis (maxmemory-policy noeviction).');
  process.exit(1);
}

async function ensureRedis() {
  const target = redisTarget();
  if (await ping(target)) return;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(target.host)) {
    log(`Redis at ${target.url} does not answer, and it is not local, so it cannot be started here.`);
    process.exit(1);
  }
  const bin = which('redis-server') || installRedisServer();
  const dir = path.join(root, 'data', 'redis');
  fs.mkdirSync(dir, { recursive: true });
  log(`no Redis answered at ${target.host}:${target.port}; starting ${bin} (data in ${path.relative(root, dir)})`);
  execFileSync(bin, [
    '--port',
    String(target.port),
    '--bind',
    '127.0.0.1',
    '--daemonize',
    'yes',
    '--dir',
    dir,
    '--pidfile',
    path.join(dir, 'redis.pid'),
    '--logfile',
    path.join(dir, 'redis.log'),
    '--appendonly',
    'yes',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
  ]);
  for (let i = 0; i < 50; i++) {
    if (await ping(target)) {
      log(`Redis is up at ${target.host}:${target.port} (stop it with: redis-cli -p ${target.port} shutdown)`);
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  log(`redis-server did not answer; see ${path.join(dir, 'redis.log')}`);
  process.exit(1);
}

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function ensureChromium() {
  if (process.env.npm_lifecycle_event !== 'pretest' || fs.existsSync(CHROMIUM)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && which('apt-get')) {
    log("Chromium is not installed: installing it for the console's browser tests (apt-get install chromium)…");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
    if (r.status === 0 && fs.existsSync(CHROMIUM)) return;
  }
  log("!!! Chromium is not installed, so the console's browser tests (test/browser) will be SKIPPED.");
  log('!!! Install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH, then run npm test again.');
}

/** pdftotext and pdftoppm (poppler-utils): the tests read every letter and report as text and render pages. */
function ensurePoppler() {
  if (process.env.npm_lifecycle_event !== 'pretest' || (which('pdftotext') && which('pdftoppm'))) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && which('apt-get')) {
    log('poppler-utils is not installed: installing it for the PDF tests (apt-get install poppler-utils)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'poppler-utils'], { stdio: 'inherit', env });
    if (r.status === 0 && which('pdftotext')) return;
  }
  log('!!! poppler-utils (pdftotext, pdftoppm) is not installed: the tests that read letters and reports will FAIL.');
  log('!!! Install it (Debian/Ubuntu: sudo apt-get install poppler-utils; macOS: brew install poppler), then run npm test again.');
}

(async () => {
  installNpmDependencies();
  await ensureRedis();
  if (process.env.npm_lifecycle_event === 'pretest' || process.env.LEDGER === 'postgres') {
    const url = await require('./postgres').ensurePostgres(log);
    log(`PostgreSQL answers at ${url.replace(/:[^:@/]*@/, ':***@')}`);
  }
  ensureChromium();
  ensurePoppler();
})().catch((err) => {
  log(err && err.message ? err.message : String(err));
  process.exit(1);
});
