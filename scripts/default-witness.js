// The default witness of `npm start`: its own process (`safeharbor witness serve`) with its own key in
// its own folder (./witness by default), which the service never writes — the service only reaches
// it over HTTP (LEDGER_WITNESS_URLS). Whoever can write the service's data and key folders can
// then rewrite and re-sign the ledger, but not re-cosign it.
//
// For real protection run the witness on another machine or under another account (README,
// "Witness"); this default keeps the key out of the service's folders on a single machine.
//
//   SAFEHARBOR_WITNESS=off        no default witness (the service's own LEDGER_WITNESS_* settings apply)
//   SAFEHARBOR_WITNESS_DIR        the witness's folder (default ./witness; never inside DATA_DIR)
//   SAFEHARBOR_WITNESS_PORT       its port on 127.0.0.1 (default 7380; 0 = any free port)
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

function settings(env, cwd) {
  const off = /^(off|0|false|no)$/i.test(env.SAFEHARBOR_WITNESS ?? '');
  const dir = path.resolve(cwd, env.SAFEHARBOR_WITNESS_DIR || 'witness');
  const port = env.SAFEHARBOR_WITNESS_PORT ?? '7380';
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new Error(`SAFEHARBOR_WITNESS_PORT: expected a port 0..65535, got "${port}"`);
  const dataDir = path.resolve(cwd, env.DATA_DIR || 'data');
  const rel = path.relative(dataDir, dir);
  if (!off && (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))))
    throw new Error(
      `SAFEHARBOR_WITNESS_DIR (${dir}) is inside DATA_DIR (${dataDir}): the witness's key must live where the service does not write`,
    );
  return { off, dir, port: Number(port) };
}

/** Runs the CLI to completion and parses its JSON output. */
function cliJson(cli, args, env, cwd) {
  const r = spawnSync(cli[0], [...cli.slice(1), ...args], { cwd, env: { ...env, LOG_LEVEL: 'silent' }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`safeharbor ${args.join(' ')} failed (exit ${r.status}): ${(r.stderr || '').trim()}`);
  return JSON.parse(r.stdout);
}

/**
 * Starts the default witness and resolves with the environment the service needs to use it, or
 * null when SAFEHARBOR_WITNESS=off.
 * @param {{ cli: string[], env: NodeJS.ProcessEnv, cwd: string, log?: (line: string) => void }} o
 *   cli: the command that runs the `safeharbor` CLI (e.g. [node, dist/cli/main.js]).
 */
async function startDefaultWitness({ cli, env, cwd, log = (l) => process.stderr.write(`${l}\n`) }) {
  const s = settings(env, cwd);
  if (s.off) return null;
  // The log's verifier key (the signing key is created beside the master key if it is new).
  const { log: logKey } = cliJson(cli, ['ledger', 'init-key'], env, cwd);
  const exists = fs.existsSync(path.join(s.dir, 'trusted-logs.txt'));
  const { witnessKey } = cliJson(cli, ['witness', 'init', '--dir', s.dir, ...(exists ? [] : ['--log-key', logKey])], env, cwd);
  const child = spawn(cli[0], [...cli.slice(1), 'witness', 'serve', '--dir', s.dir, '--host', '127.0.0.1', '--port', String(s.port)], {
    cwd,
    env: { ...env, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  const url = await new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (d) => {
      buffered += d;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        log(`[witness] ${line}`);
        const m = /listening on (\S+)\/add-checkpoint/.exec(line);
        if (m) resolve(m[1]);
      }
    };
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the witness exited (code ${code}) before listening: ${buffered.trim()}`)));
  });
  let stopping = false;
  child.removeAllListeners('exit');
  child.on('exit', (code, signal) => {
    if (!stopping) log(`[witness] exited (${signal ?? code}): checkpoints are not cosigned until it runs again`);
  });
  const urls = [`${witnessKey}@${url}`, ...(env.LEDGER_WITNESS_URLS ? [env.LEDGER_WITNESS_URLS] : [])].join(',');
  return {
    dir: s.dir,
    url,
    witnessKey,
    child,
    // No file witness inside the service's reach unless asked for explicitly.
    env: { LEDGER_WITNESS_URLS: urls, LEDGER_WITNESS_DIRS: env.LEDGER_WITNESS_DIRS ?? '' },
    /** Stops the witness; `{ kill: false }` only expects it to stop (a Ctrl-C reaches it directly). */
    stop({ kill = true } = {}) {
      stopping = true;
      if (kill && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

module.exports = { startDefaultWitness, settings };
