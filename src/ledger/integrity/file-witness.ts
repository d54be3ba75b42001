/**
 * A witness that keeps its state in a directory of its own (put it on another disk, mount or
 * machine) and signs with its own Ed25519 cosigner key (`witness.key`, mode 0600).
 *
 *   <dir>/witness.key            PRIVATE+KEY+<name>+<id>+... (0600)
 *   <dir>/witness.vkey           the public verifier key
 *   <dir>/state/<h>.json         the held (origin, size, root) + the last cosigned note, h = sha256(origin)
 *   <dir>/history/<h>.jsonl      every checkpoint it cosigned (append-only)
 *   <dir>/evidence/<h>.jsonl     log-signed checkpoints it refused (rollback / fork evidence)
 *
 * Check-and-persist is atomic: an exclusive lock file around read → decide → write (temp file,
 * fsync, rename), so two requests can never roll the held size back (tlog-witness race).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Clock } from '../../platform/clock';
import { Ed25519NoteKey, KEY_TYPE_COSIGNATURE_V1 } from './note';
import { AddCheckpointRequest, cosign, decideAddCheckpoint, WitnessRecord } from './witness';

export type AddCheckpointResult =
  | { status: 200; cosignatures: string }
  | { status: 400 | 403 | 404 | 409 | 422 | 503; message: string; reason?: string; heldSize?: number };

/** What the log side talks to: a file witness in-process or an HTTP witness elsewhere. */
export interface WitnessEndpoint {
  readonly name: string;
  readonly verifierKey: string;
  addCheckpoint(req: AddCheckpointRequest): Promise<AddCheckpointResult>;
}

export interface HeldCheckpoint extends WitnessRecord {
  note: string;
  cosignedAt: string;
}

export interface FileWitnessOptions {
  /** The cosigner name (a schema-less URL is conventional). Used when the key is first created. */
  name: string;
  /** Verifier keys (vkeys) of the logs it witnesses; a log's origin is its key name. */
  trustedLogKeys: string[];
  clock: Clock;
}

export class FileWitness implements WitnessEndpoint {
  private readonly key: Ed25519NoteKey;
  private readonly trusted: Map<string, Ed25519NoteKey[]>;

  private constructor(
    readonly dir: string,
    key: Ed25519NoteKey,
    trusted: Map<string, Ed25519NoteKey[]>,
    private readonly clock: Clock,
  ) {
    this.key = key;
    this.trusted = trusted;
  }

  static open(dir: string, opts: FileWitnessOptions): FileWitness {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const sub of ['state', 'history', 'evidence']) fs.mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o700 });
    const keyPath = path.join(dir, 'witness.key');
    let key: Ed25519NoteKey;
    if (fs.existsSync(keyPath)) {
      const mode = fs.statSync(keyPath).mode & 0o777;
      if (mode & 0o077) throw new Error(`witness key ${keyPath} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
      key = Ed25519NoteKey.fromPrivate(fs.readFileSync(keyPath, 'utf8'));
      if (key.type !== KEY_TYPE_COSIGNATURE_V1) throw new Error('witness key is not a cosignature/v1 key');
    } else {
      key = Ed25519NoteKey.generate(opts.name, KEY_TYPE_COSIGNATURE_V1);
      const fd = fs.openSync(keyPath, 'wx', 0o600);
      fs.writeSync(fd, `${key.privateKeyString}\n`);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fs.writeFileSync(path.join(dir, 'witness.vkey'), `${key.verifierKey}\n`, { mode: 0o644 });
    }
    // Trust on first use: the log keys are fixed when the witness directory is created; later a
    // changed key in the service's data dir cannot make this witness trust it (`trust()` is explicit).
    const trustPath = path.join(dir, 'trusted-logs.txt');
    if (!fs.existsSync(trustPath)) fs.writeFileSync(trustPath, opts.trustedLogKeys.map((k) => `${k}\n`).join(''), { mode: 0o644 });
    const trustedKeys = fs
      .readFileSync(trustPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    const trusted = new Map<string, Ed25519NoteKey[]>();
    for (const v of trustedKeys) {
      const k = Ed25519NoteKey.fromVerifierKey(v);
      trusted.set(k.name, [...(trusted.get(k.name) ?? []), k]);
    }
    return new FileWitness(dir, key, trusted, opts.clock);
  }

  get name(): string {
    return this.key.name;
  }

  /** The log verifier keys this witness trusts. */
  trustedLogKeys(): string[] {
    return [...this.trusted.values()].flat().map((k) => k.verifierKey);
  }

  /** Operator action: trust an additional log key (e.g. after a planned key rotation). */
  trust(vkey: string): void {
    const k = Ed25519NoteKey.fromVerifierKey(vkey);
    if (this.trustedLogKeys().includes(k.verifierKey)) return;
    fs.appendFileSync(path.join(this.dir, 'trusted-logs.txt'), `${k.verifierKey}\n`);
    this.trusted.set(k.name, [...(this.trusted.get(k.name) ?? []), k]);
  }
  get verifierKey(): string {
    return this.key.verifierKey;
  }

  private fileFor(kind: 'state' | 'history' | 'evidence', origin: string): string {
    const h = createHash('sha256').update(origin).digest('hex').slice(0, 32);
    return path.join(this.dir, kind, kind === 'state' ? `${h}.json` : `${h}.jsonl`);
  }

  held(origin: string): HeldCheckpoint | undefined {
    const p = this.fileFor('state', origin);
    if (!fs.existsSync(p)) return undefined;
    const j = JSON.parse(fs.readFileSync(p, 'utf8')) as { origin: string; size: number; root: string; note: string; cosignedAt: string };
    return { origin: j.origin, size: j.size, root: Buffer.from(j.root, 'base64'), note: j.note, cosignedAt: j.cosignedAt };
  }

  /** Every checkpoint this witness cosigned for the origin, oldest first. */
  history(origin: string): Array<{ size: number; root: Buffer; note: string; cosignedAt: string }> {
    return readJsonl(this.fileFor('history', origin)).map((j) => ({
      size: j.size,
      root: Buffer.from(j.root, 'base64'),
      note: j.note,
      cosignedAt: j.cosignedAt,
    }));
  }

  /** Log-signed checkpoints it refused (rollback, fork, unprovable): evidence of misbehaviour. */
  evidence(origin: string): Array<{ reason: string; message: string; size: number; root: string; at: string; heldSize?: number }> {
    return readJsonl(this.fileFor('evidence', origin));
  }

  async addCheckpoint(req: AddCheckpointRequest): Promise<AddCheckpointResult> {
    return this.addCheckpointSync(req);
  }

  addCheckpointSync(req: AddCheckpointRequest): AddCheckpointResult {
    return withLock(path.join(this.dir, 'witness.lock'), () => {
      let originGuess: string | undefined;
      try {
        originGuess = req.note.split('\n', 1)[0];
      } catch {
        originGuess = undefined;
      }
      const held = originGuess ? this.held(originGuess) : undefined;
      const d = decideAddCheckpoint(req, this.trusted, held);
      const now = this.clock.now();
      if (!d.accepted) {
        if (d.checkpoint && (d.status === 409 || d.status === 422)) {
          appendLine(this.fileFor('evidence', d.checkpoint.origin), {
            reason: d.reason,
            message: d.message,
            size: d.checkpoint.size,
            root: d.checkpoint.root.toString('base64'),
            heldSize: d.heldSize,
            note: req.note,
            at: now.toISOString(),
          });
        }
        return { status: d.status, message: d.message, reason: d.reason, heldSize: d.status === 409 ? d.heldSize : undefined };
      }
      const line = cosign(this.key, d.text, Math.floor(now.getTime() / 1000));
      const cosignedNote = `${req.note}${line}`;
      const rec = {
        origin: d.record.origin,
        size: d.record.size,
        root: d.record.root.toString('base64'),
        note: cosignedNote,
        cosignedAt: now.toISOString(),
      };
      if (!held || held.size !== d.record.size) appendLine(this.fileFor('history', d.record.origin), rec);
      writeAtomic(this.fileFor('state', d.record.origin), JSON.stringify(rec));
      return { status: 200, cosignatures: line };
    });
  }
}

function readJsonl(p: string): any[] {
  if (!fs.existsSync(p)) return [];
  return fs
    .readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

function appendLine(p: string, obj: unknown): void {
  const fd = fs.openSync(p, 'a', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(obj)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function writeAtomic(p: string, content: string): void {
  const tmp = `${p}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, p);
}

const sleepBuf = new Int32Array(new SharedArrayBuffer(4));

/** A cross-process exclusive lock (O_EXCL lock file; a lock left by a dead process is broken). */
export function withLock<T>(lockPath: string, fn: () => T, timeoutMs = 10_000): T {
  const deadline = Date.now() + timeoutMs; // elapsed-time bound only, not a domain timestamp
  for (;;) {
    try {
      const fd = fs.openSync(lockPath, 'wx', 0o600);
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(lockPath, 'utf8') || 0);
      if (pid && !alive(pid)) {
        fs.rmSync(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lockPath}`, { cause: e });
      Atomics.wait(sleepBuf, 0, 0, 5);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lockPath, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
