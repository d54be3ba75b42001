// PostgreSQL for `npm test` (and `npm start` with LEDGER=postgres): find a server that answers, or
// start one from the OS packages when allowed. Used by scripts/ensure-deps.js (which may install
// it) and scripts/test.js (which passes the URL to the tests as TEST_DATABASE_URL).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

const PORT = process.env.PGPORT || '5432';
const LOCAL = `postgres://postgres@127.0.0.1:${PORT}/postgres`;
// The password ensure-deps gives the `postgres` role of a cluster it installed itself (TCP logins on
// Debian's default pg_hba need one); used only when nothing else answers.
const INSTALLED = `postgres://postgres:safeharbor@127.0.0.1:${PORT}/postgres`;

async function answers(url, timeoutMs = 2000) {
  let Client;
  try {
    ({ Client } = require('pg'));
  } catch {
    return { ok: false, error: 'the pg package is not installed yet' };
  }
  const c = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await c.connect();
    // tests create and drop their own databases
    const r = await c.query('SELECT rolcreatedb OR rolsuper AS ok FROM pg_roles WHERE rolname = current_user');
    if (!r.rows[0] || !r.rows[0].ok) return { ok: false, error: 'the role may not create databases (CREATEDB)' };
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err && err.message ? err.message : String(err) };
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** The first of DATABASE_URL, 127.0.0.1:5432 (trust), 127.0.0.1:5432 (installed by us) that answers. */
async function findPostgres() {
  const tried = [];
  const candidates = [process.env.TEST_DATABASE_URL, process.env.DATABASE_URL, LOCAL, INSTALLED].filter(Boolean);
  for (const url of [...new Set(candidates)]) {
    const r = await answers(url);
    if (r.ok) return { url, tried };
    tried.push({ url: url.replace(/:[^:@/]*@/, ':***@'), error: r.error });
  }
  return { url: null, tried };
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Debian/Ubuntu as root: install the postgresql package, start its cluster, set the role's password. */
function installAndStart(log) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !which('apt-get')) return false;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!which('pg_lsclusters')) {
    log('no PostgreSQL answers: installing it from the OS packages (apt-get install postgresql)…');
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', 'postgresql'], { stdio: 'inherit', env });
    if (r.status !== 0) return false;
  }
  const clusters = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  if (clusters.length === 0) {
    const versions = fs.readdirSync('/usr/lib/postgresql').sort();
    spawnSync('pg_createcluster', [versions[versions.length - 1], 'main'], { stdio: 'inherit', env });
  }
  const [version, name] = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' }).stdout.trim().split(/\s+/);
  log(`starting PostgreSQL ${version}/${name} (stop it with: pg_ctlcluster ${version} ${name} stop)`);
  spawnSync('pg_ctlcluster', [version, name, 'start'], { stdio: 'inherit', env });
  spawnSync('runuser', ['-u', 'postgres', '--', 'psql', '-q', '-c', "ALTER ROLE postgres PASSWORD 'safeharbor'"], {
    stdio: 'inherit',
    env,
  });
  return true;
}

function explain(log, tried) {
  log('No PostgreSQL answers, and one cannot be installed here (needs root and apt-get).');
  for (const t of tried) log(`  tried ${t.url}: ${t.error}`);
  log('Start one, then run the command again:');
  log('  Debian/Ubuntu: sudo apt-get install postgresql && sudo pg_ctlcluster <version> main start');
  log('  Fedora/RHEL:   sudo dnf install postgresql-server && sudo postgresql-setup --initdb && sudo systemctl start postgresql');
  log('  macOS:         brew install postgresql@16 && brew services start postgresql@16');
  log('  Docker:        docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16');
  log('or set DATABASE_URL to a server whose role may CREATE DATABASE (tests make and drop their own).');
}

/** Resolves the URL of a server that answers, installing one when allowed; exits 1 otherwise. */
async function ensurePostgres(log) {
  let found = await findPostgres();
  if (found.url) return found.url;
  const target = new URL(process.env.DATABASE_URL || LOCAL);
  if (['127.0.0.1', 'localhost', '::1', '[::1]'].includes(target.hostname) && installAndStart(log)) {
    for (let i = 0; i < 50 && !found.url; i++) {
      await new Promise((r) => setTimeout(r, 200));
      found = await findPostgres();
    }
    if (found.url) return found.url;
  }
  explain(log, found.tried);
  process.exit(1);
}

module.exports = { findPostgres, ensurePostgres };
