/**
 * The ledger's own checkpoint signing key — never the master key, never the agents' command key.
 *
 *   <dir>/ledger-signing.key    PRIVATE+KEY+<origin>+... (0600)
 *   <dir>/ledger-signing.vkey   the verifier key to hand to witnesses and auditors
 *   <dir>/ledger-signing.state  the last checkpoint this key signed (size, root)
 *
 * Rule: never sign two inconsistent checkpoints. Under an exclusive lock the signer checks that
 * the tree it is asked to sign extends the last one it signed (a consistency proof from the
 * stored nodes, verified) and refuses a smaller size or a different root at the same size.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Checkpoint, formatCheckpoint } from './checkpoint';
import { withLock } from './file-witness';
import { Ed25519NoteKey, KEY_TYPE_ED25519, signNote } from './note';
import { ProofVerificationError, verifyConsistency } from './proofs';

export class SigningRefusedError extends Error {
  readonly code = 'CHECKPOINT_SIGNING_REFUSED';
  constructor(
    message: string,
    readonly kind: 'rollback' | 'fork',
  ) {
    super(message);
    this.name = 'SigningRefusedError';
  }
}

/** A retired log key and the transition checkpoint (signed by it and its successor) that retired it. */
export interface KeyTransition {
  /** The retired key's verifier key. */
  from: string;
  /** Its successor's verifier key. */
  to: string;
  /** Tree size of the transition checkpoint: checkpoints above it are signed by `to` (or later keys). */
  size: number;
  /** The transition checkpoint note (body extension `key-transition <to>`), with any cosignatures. */
  note: string;
}

export const KEY_TRANSITION_EXTENSION = 'key-transition';

export class LedgerSigner {
  private constructor(
    readonly dir: string,
    private key: Ed25519NoteKey,
  ) {}

  static open(dir: string, origin: string): LedgerSigner {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyPath = path.join(dir, 'ledger-signing.key');
    let key: Ed25519NoteKey;
    if (fs.existsSync(keyPath)) {
      const mode = fs.statSync(keyPath).mode & 0o777;
      if (mode & 0o077) throw new Error(`ledger signing key ${keyPath} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
      key = Ed25519NoteKey.fromPrivate(fs.readFileSync(keyPath, 'utf8'));
      if (key.type !== KEY_TYPE_ED25519) throw new Error('ledger signing key is not an Ed25519 note key');
      if (key.name !== origin) throw new Error(`ledger signing key is for origin "${key.name}", configured origin is "${origin}"`);
    } else {
      key = Ed25519NoteKey.generate(origin, KEY_TYPE_ED25519);
      try {
        const fd = fs.openSync(keyPath, 'wx', 0o600);
        fs.writeSync(fd, `${key.privateKeyString}\n`);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fs.writeFileSync(path.join(dir, 'ledger-signing.vkey'), `${key.verifierKey}\n`, { mode: 0o644 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        return LedgerSigner.open(dir, origin); // another process created it first
      }
    }
    return new LedgerSigner(dir, key);
  }

  get origin(): string {
    return this.key.name;
  }
  get verifierKey(): string {
    return this.key.verifierKey;
  }
  get publicKey(): Ed25519NoteKey {
    return Ed25519NoteKey.fromVerifierKey(this.key.verifierKey);
  }

  /** Transitions so far, oldest first (`ledger-signing.transitions.json`, beside the key). */
  transitions(): KeyTransition[] {
    const p = path.join(this.dir, 'ledger-signing.transitions.json');
    return fs.existsSync(p) ? (JSON.parse(fs.readFileSync(p, 'utf8')) as KeyTransition[]) : [];
  }

  private saveTransitions(list: KeyTransition[]): void {
    const p = path.join(this.dir, 'ledger-signing.transitions.json');
    const tmp = `${p}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(list, null, 2)}\n`, { mode: 0o644 });
    fs.renameSync(tmp, p);
  }

  /** Every verifier key this log has used: the current one first, then the retired ones. */
  allPublicKeys(): Ed25519NoteKey[] {
    this.reload();
    return [this.publicKey, ...this.transitions().map((t) => Ed25519NoteKey.fromVerifierKey(t.from))];
  }

  /** Re-reads the key file (another process may have rotated it). */
  reload(): void {
    const k = Ed25519NoteKey.fromPrivate(fs.readFileSync(path.join(this.dir, 'ledger-signing.key'), 'utf8'));
    if (k.verifierKey !== this.key.verifierKey) this.key = k;
  }

  /**
   * Rotates the log key: a transition checkpoint of (size, root) carrying the extension line
   * `key-transition <new vkey>` is signed by the old and the new key (witnesses that trust the old
   * key learn the new one from it), the new private key replaces the old one (which is destroyed),
   * and the transition is kept beside the key for verifiers. Same consistency rule as `sign`.
   */
  rotate(size: number, root: Buffer, consistency: (m: number, n: number) => Buffer[]): KeyTransition {
    return withLock(path.join(this.dir, 'ledger-signing.lock'), () => {
      this.reload();
      this.checkConsistent(size, root, consistency);
      const next = Ed25519NoteKey.generate(this.origin, KEY_TYPE_ED25519);
      const body = formatCheckpoint({ origin: this.origin, size, root, extensions: [`${KEY_TRANSITION_EXTENSION} ${next.verifierKey}`] });
      const t: KeyTransition = { from: this.key.verifierKey, to: next.verifierKey, size, note: signNote(body, [this.key, next]) };
      // the transition is recorded before the key is replaced: a crash in between leaves a
      // recorded transition to a key that never signed, which verification treats as unused
      this.saveTransitions([...this.transitions(), t]);
      const keyPath = path.join(this.dir, 'ledger-signing.key');
      const tmp = `${keyPath}.${process.pid}.tmp`;
      const fd = fs.openSync(tmp, 'w', 0o600);
      fs.writeSync(fd, `${next.privateKeyString}\n`);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fs.renameSync(tmp, keyPath);
      fs.writeFileSync(path.join(this.dir, 'ledger-signing.vkey'), `${next.verifierKey}\n`, { mode: 0o644 });
      this.writeState(size, root);
      this.key = next;
      return t;
    });
  }

  /** Records the witnesses' cosignatures on the latest transition note. */
  updateTransitionNote(to: string, note: string): void {
    withLock(path.join(this.dir, 'ledger-signing.lock'), () => {
      this.saveTransitions(this.transitions().map((t) => (t.to === to ? { ...t, note } : t)));
    });
  }

  private checkConsistent(size: number, root: Buffer, consistency: (m: number, n: number) => Buffer[]): void {
    const last = this.lastSigned();
    if (!last) return;
    if (size < last.size)
      throw new SigningRefusedError(`refusing to sign size ${size}: size ${last.size} was already signed (rollback)`, 'rollback');
    try {
      verifyConsistency(last.size, size, last.root, root, size === last.size ? [] : consistency(last.size, size));
    } catch (e) {
      if (e instanceof ProofVerificationError) {
        throw new SigningRefusedError(
          `refusing to sign size ${size}: not consistent with the signed checkpoint of size ${last.size} (${e.message})`,
          'fork',
        );
      }
      throw e;
    }
  }

  private writeState(size: number, root: Buffer): void {
    const p = path.join(this.dir, 'ledger-signing.state');
    const tmp = `${p}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ size, root: root.toString('base64') }), { mode: 0o600 });
    fs.renameSync(tmp, p);
  }

  lastSigned(): { size: number; root: Buffer } | undefined {
    const p = path.join(this.dir, 'ledger-signing.state');
    if (!fs.existsSync(p)) return undefined;
    const j = JSON.parse(fs.readFileSync(p, 'utf8')) as { size: number; root: string };
    return { size: j.size, root: Buffer.from(j.root, 'base64') };
  }

  /**
   * The log's signed statement of where streams ended in the tree of (size, root): the evidence
   * bundle's completeness proof. Its first line `<origin>/stream-heads` can never read as a
   * checkpoint body (whose first line is the origin itself).
   */
  signStreamHeads(size: number, root: Buffer, heads: Array<{ stream: string; version: number; position: number }>): string {
    const lines = [...heads].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0));
    for (const h of lines) if (/\s/.test(h.stream)) throw new Error('stream names have no whitespace');
    this.reload();
    const text =
      [
        `${this.origin}/stream-heads`,
        String(size),
        root.toString('base64'),
        ...lines.map((h) => `${h.stream} ${h.version} ${h.position}`),
      ].join('\n') + '\n';
    return signNote(text, [this.key]);
  }

  /**
   * Signs the checkpoint (origin, size, root) if it is consistent with the last one signed.
   * `consistency(m, n)` returns the RFC 6962 proof from the stored tree.
   */
  sign(size: number, root: Buffer, consistency: (m: number, n: number) => Buffer[]): { note: string; checkpoint: Checkpoint } {
    return withLock(path.join(this.dir, 'ledger-signing.lock'), () => {
      this.reload();
      this.checkConsistent(size, root, consistency);
      const checkpoint = { origin: this.origin, size, root };
      const note = signNote(formatCheckpoint(checkpoint), [this.key]);
      this.writeState(size, root);
      return { note, checkpoint };
    });
  }
}
