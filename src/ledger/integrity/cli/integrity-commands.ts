import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliUsageError, type CliRuntime } from '../../../cli/runtime';
import { CLOCK, SystemClock, type Clock } from '../../../platform/clock';
import { FileWitness } from '../file-witness';
import { WitnessHttpServer } from '../http-witness';
import { loadIntegrityConfig } from '../integrity-config';
import { INTEGRITY } from '../integrity.tokens';
import { moveLegacyLogKey } from '../key-placement';
import { LedgerSigner } from '../ledger-signer';
import type { IntegrityService } from '../integrity.service';
import { Ed25519NoteKey } from '../note';
import { EVENT_STORE } from '../../../platform/tokens';

export class LedgerVerificationFailed extends Error {
  readonly code = 'LEDGER_VERIFICATION_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'LedgerVerificationFailed';
  }
}

function integrityOf(app: { get<T>(token: unknown): T }): IntegrityService {
  const i = app.get<IntegrityService | null>(INTEGRITY);
  if (!i) throw new CliUsageError('ledger integrity is only available on the embedded SQLite ledger (LEDGER=sqlite)');
  return i;
}

function positiveInt(name: string, v: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(v)) throw new CliUsageError(`${name} must be a positive integer`);
  return Number(v);
}

const EXPORT_ROLES = ['auditor', 'compliance-officer', 'security-officer'];

export function registerIntegrityCommands(program: Command, cli: CliRuntime): void {
  const ledger = program.command('ledger').description('the tamper-evident ledger: verify, proofs, checkpoints');

  ledger
    .command('verify')
    .description(
      'recompute every leaf and the Merkle tree, check every checkpoint signature, cosignature and witness; exit 1 naming the first bad position',
    )
    .option('--since', 'verify incrementally from the newest checkpoint that is signed, witness-cosigned and held by a witness')
    .option(
      '--log-key <file>',
      "the ledger's verifier key, pinned (a file holding `safeharbor ledger keys`'s log key, kept apart from the service)",
    )
    .action(async (opts: { since?: boolean; logKey?: string }) => {
      const pinned = opts.logKey === undefined ? undefined : readPinnedKey(opts.logKey);
      if (pinned === undefined)
        process.stderr.write(
          "WARNING: --log-key not given: verifying against the key in the service's own key folder. Pin the log key (--log-key FILE) to detect a replaced key folder.\n",
        );
      await cli.withApp(async (app) => {
        const store = app.get<unknown>(EVENT_STORE);
        // Loaded only here: witness and key commands must not pull in the database drivers.
        const { PostgresEventStore } = await import('../../postgres/postgres-event-store');
        const { verifyPgTree } = await import('../pg-integrity-tree');
        if (store instanceof PostgresEventStore) {
          // The PostgreSQL ledger keeps its Merkle tree in the append transaction; recompute it from the rows.
          const r = await verifyPgTree(store.db.pool);
          cli.print(r);
          if (!r.ok) throw new LedgerVerificationFailed(`verification failed at position ${r.firstBadPosition ?? '?'}: ${r.reason}`);
          return;
        }
        const i = integrityOf(app);
        const head = i.store.headPosition();
        let bar: ReturnType<CliRuntime['progress']> | null = null;
        const report = await i.verify({
          pinnedLogKey: pinned,
          since: !!opts.since,
          onProgress: head > 20_000 ? (p, h) => (bar ??= cli.progress('verify', h)).update(p) : undefined,
        });
        (bar as ReturnType<CliRuntime['progress']> | null)?.stop();
        cli.print(report);
        if (!report.ok) {
          throw new LedgerVerificationFailed(
            report.position !== undefined
              ? `verification failed at position ${report.position}: ${report.reason}`
              : `verification failed: ${report.reason}`,
          );
        }
      });
    });

  ledger
    .command('prove')
    .description('inclusion proof of one event in a witnessed checkpoint')
    .requiredOption('--event <id>', 'event id (UUID)')
    .action(async (opts: { event: string }) => {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(opts.event))
        throw new CliUsageError('--event must be an event id (UUID)');
      await cli.withApp(async (app) => {
        const i = integrityOf(app);
        if (!i.store.eventById(opts.event)) throw new CliUsageError(`--event: no event with id ${opts.event}`);
        cli.print(await i.prove(opts.event));
      });
    });

  ledger
    .command('consistency')
    .description('consistency proof between tree sizes M and N (RFC 6962)')
    .requiredOption('--from <m>', 'older tree size')
    .requiredOption('--to <n>', 'newer tree size')
    .action(async (opts: { from: string; to: string }) => {
      const m = positiveInt('--from', opts.from);
      const n = positiveInt('--to', opts.to);
      if (m > n) throw new CliUsageError('--from must not be larger than --to');
      await cli.withApp(async (app) => {
        const i = integrityOf(app);
        const size = i.store.treeState().size;
        if (n > size) throw new CliUsageError(`--to ${n} is larger than the ledger (${size} events)`);
        cli.print(i.consistencyBetween(m, n));
      });
    });

  ledger
    .command('checkpoint')
    .description('sign a checkpoint now and offer it to the witnesses')
    .action(async () => {
      await cli.withApp(async (app) => {
        const r = await integrityOf(app).checkpointNow();
        cli.print(r ?? { message: 'the ledger is empty: nothing to sign' });
      });
    });

  ledger
    .command('keys')
    .description('the ledger and witness verifier keys (give them to auditors out of band)')
    .action(async () => {
      await cli.withApp(async (app) => {
        const i = integrityOf(app);
        cli.print({
          origin: i.opts.origin,
          log: i.signer.verifierKey,
          retired: i.signer.transitions().map((t) => ({ key: t.from, retiredAtSize: t.size })),
          witnesses: i.policy.witnessKeys.map((k) => k.verifierKey),
          quorum: i.policy.quorum,
        });
      });
    });

  ledger
    .command('init-key')
    .description(
      "create the ledger's signing key beside the master key when there is none (no database is opened) and print its verifier key: what a witness is created with (`witness init --log-key`)",
    )
    .action(async () => {
      const config = await cli.config();
      const c = loadIntegrityConfig(config.dataDir, process.env, config.masterKeyPath);
      moveLegacyLogKey(c.legacyKeyDir, c.keyDir, (level, msg) => process.stderr.write(`${level}: ${msg}\n`));
      const signer = LedgerSigner.open(c.keyDir, c.origin);
      cli.print({ origin: signer.origin, log: signer.verifierKey, keyDir: c.keyDir });
    });

  ledger
    .command('rotate-key')
    .description(
      'replace the log signing key: a transition checkpoint signed by the old and the new key, offered to the witnesses (they learn the new key from it)',
    )
    .action(async () => {
      await cli.withApp(async (app) => {
        const r = await integrityOf(app).rotateKey();
        cli.print({ ...r, note: 'give auditors the new verifier key (`to`); keys pinned to the old one verify across the transition' });
      });
    });

  const witness = program.command('witness').description('run a transparency-log witness (C2SP tlog-witness) on another machine or disk');
  const witnessOpts = (c: Command) =>
    c
      .requiredOption('--dir <dir>', "the witness's own directory (its key and state)")
      .option('--name <name>', 'witness key name (used when the key is created)', 'witness.local/safeharbor')
      .option('--log-key <vkey...>', 'verifier key(s) of the ledger(s) to witness (`safeharbor ledger keys`); fixed at creation');
  witnessOpts(witness.command('init').description('create the witness key and directory; prints its verifier key')).action(
    (opts: { dir: string; name: string; logKey?: string[] }) => {
      const w = openWitness(opts, new SystemClock());
      cli.print({ dir: path.resolve(opts.dir), witnessKey: w.verifierKey, trusts: w.trustedLogKeys() });
    },
  );
  witnessOpts(witness.command('serve').description('serve POST <prefix>/add-checkpoint'))
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'listen port', '7380')
    .option('--prefix <prefix>', 'submission prefix', '')
    .action(async (opts: { dir: string; name: string; logKey?: string[]; host: string; port: string; prefix: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliUsageError('--port must be 0..65535');
      if (opts.prefix && !/^\/[A-Za-z0-9/_-]*[^/]$/.test(opts.prefix))
        throw new CliUsageError('--prefix must look like /path (no trailing slash)');
      const w = openWitness(opts, new SystemClock());
      const server = new WitnessHttpServer(w, { host: opts.host, port, prefix: opts.prefix });
      const url = await server.listen();
      process.stderr.write(`witness ${w.name} listening on ${url}/add-checkpoint\nverifier key: ${w.verifierKey}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });

  program
    .command('evidence')
    .description('auditor evidence')
    .command('export')
    .description("export an incident's events with inclusion proofs, the cosigned checkpoint, keys and an offline verifier")
    .requiredOption('--incident <id>', 'incident id (UUID)')
    .requiredOption('--out <file.zip>', 'where to write the ZIP')
    .action(async (opts: { incident: string; out: string }) => {
      if (!opts.out.endsWith('.zip')) throw new CliUsageError('--out must name a .zip file');
      if (fs.existsSync(opts.out)) throw new CliUsageError(`--out: ${opts.out} already exists`);
      await cli.withApp(async (app) => {
        const actor = await cli.actor(app);
        if (!EXPORT_ROLES.includes(actor.actor.role))
          throw new CliUsageError(`evidence export needs one of the roles: ${EXPORT_ROLES.join(', ')}`);
        const { exportIncidentEvidence } = await import('../../../evidence'); // witness commands never load it
        const r = await exportIncidentEvidence(integrityOf(app), opts.incident, app.get<Clock>(CLOCK));
        const tmp = `${opts.out}.${process.pid}.part`;
        fs.writeFileSync(tmp, r.zip, { mode: 0o600 });
        fs.renameSync(tmp, opts.out); // nothing half-written
        cli.print({
          out: path.resolve(opts.out),
          events: r.events,
          checkpointSize: r.checkpointSize,
          verify: `node verify-evidence.js ${path.basename(opts.out)} (the script is inside the zip)`,
        });
      });
    });
}

/** Reads a pinned verifier key (`name+hash+base64`) from a file; a usage error (exit 2) when it is not one. */
export function readPinnedKey(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch {
    throw new CliUsageError(`--log-key: cannot read ${file}`);
  }
  try {
    return Ed25519NoteKey.fromVerifierKey(text).verifierKey;
  } catch (e) {
    throw new CliUsageError(`--log-key: ${file} does not hold a verifier key (${(e as Error).message})`);
  }
}

function openWitness(opts: { dir: string; name: string; logKey?: string[] }, clock: Clock): FileWitness {
  const keys = opts.logKey ?? [];
  for (const k of keys) {
    try {
      Ed25519NoteKey.fromVerifierKey(k);
    } catch (e) {
      throw new CliUsageError(`--log-key: ${(e as Error).message}`);
    }
  }
  const exists = fs.existsSync(path.join(opts.dir, 'trusted-logs.txt'));
  if (!exists && keys.length === 0) throw new CliUsageError('--log-key is required when creating a witness');
  const w = FileWitness.open(opts.dir, { name: opts.name, trustedLogKeys: keys, clock });
  for (const k of keys)
    if (!w.trustedLogKeys().includes(Ed25519NoteKey.fromVerifierKey(k).verifierKey)) {
      throw new CliUsageError(
        `--log-key ${Ed25519NoteKey.fromVerifierKey(k).name}: this witness was created for other log keys; add one deliberately with a new witness or edit trusted-logs.txt`,
      );
    }
  return w;
}
