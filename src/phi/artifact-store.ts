import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { PhiVault } from './phi-vault';

/**
 * Encrypted, content-addressed artifacts (affected-individual lists, letters, error reports).
 *
 * Format (a STREAM-style chunked AEAD so a million-row list is written and read in bounded
 * memory, and every chunk is authenticated before its plaintext is released):
 *   "SHAR" | u8 version=1 | u16 scopeLen | scope | 8-byte nonce prefix
 *   then chunks: u32 ciphertextLen | ciphertext | 16-byte GCM tag
 * chunk nonce = prefix || u32 index; AAD = "artifact:" scope | u32 index | u8 final.
 * The address is the SHA-256 of the whole encrypted file, so it is checkable without the key.
 */
const MAGIC = Buffer.from('SHAR');
const CHUNK = 64 * 1024;

export interface ArtifactRef {
  /** sha256 hex of the encrypted bytes: the artifact's address. */
  digest: string;
  /** Plaintext size in bytes. */
  size: number;
  scope: string;
}

export class ArtifactIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArtifactIntegrityError';
  }
}

function aad(scope: string, index: number, final: boolean): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(index, 0);
  b[4] = final ? 1 : 0;
  return Buffer.concat([Buffer.from(`artifact:${scope}`), b]);
}

function nonce(prefix: Buffer, index: number): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 8);
  return n;
}

export class ArtifactStore {
  constructor(
    private readonly dir: string,
    private readonly vault: PhiVault,
  ) {
    mkdirSync(join(dir, 'tmp'), { recursive: true });
  }

  pathOf(digest: string): string {
    if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error('invalid artifact digest');
    return join(this.dir, digest.slice(0, 2), digest);
  }

  has(digest: string): boolean {
    return existsSync(this.pathOf(digest));
  }

  /** Encrypts a plaintext stream into a new artifact. */
  async write(scope: string, source: AsyncIterable<Buffer | string>): Promise<ArtifactRef> {
    const key = this.vault.dataKey(scope, true);
    const tmp = join(this.dir, 'tmp', randomBytes(12).toString('hex'));
    const out = createWriteStream(tmp, { mode: 0o600 });
    const hash = createHash('sha256');
    const prefix = randomBytes(8);
    const scopeBytes = Buffer.from(scope);
    const header = Buffer.alloc(MAGIC.length + 3);
    MAGIC.copy(header);
    header[4] = 1;
    header.writeUInt16BE(scopeBytes.length, 5);
    const emit = async (buf: Buffer) => {
      hash.update(buf);
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
    };
    let index = 0;
    let size = 0;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    const flush = async (final: boolean) => {
      const plain = Buffer.concat(pending, pendingLen);
      pending = [];
      pendingLen = 0;
      const cipher = createCipheriv('aes-256-gcm', key, nonce(prefix, index));
      cipher.setAAD(aad(scope, index, final));
      const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(ct.length);
      await emit(Buffer.concat([len, ct, cipher.getAuthTag()]));
      index++;
    };
    try {
      await emit(Buffer.concat([header, scopeBytes, prefix]));
      for await (const piece of source) {
        let buf = typeof piece === 'string' ? Buffer.from(piece) : piece;
        size += buf.length;
        while (buf.length > 0) {
          const take = Math.min(CHUNK - pendingLen, buf.length);
          pending.push(buf.subarray(0, take));
          pendingLen += take;
          buf = buf.subarray(take);
          if (pendingLen === CHUNK) await flush(false);
        }
      }
      await flush(true);
      out.end();
      await finished(out);
    } catch (e) {
      // A write may still be in flight: its ERR_STREAM_DESTROYED must not become an unhandled 'error' (a crash).
      out.on('error', () => undefined);
      out.destroy();
      rmSync(tmp, { force: true });
      throw e;
    }
    const digest = hash.digest('hex');
    const finalPath = this.pathOf(digest);
    mkdirSync(join(this.dir, digest.slice(0, 2)), { recursive: true });
    renameSync(tmp, finalPath);
    return { digest, size, scope };
  }

  /** Decrypts an artifact chunk by chunk; each chunk is authenticated before it is yielded. */
  async *read(digest: string): AsyncGenerator<Buffer> {
    const path = this.pathOf(digest);
    const fileSize = statSync(path).size;
    const hash = createHash('sha256');
    let buf: Buffer = Buffer.alloc(0);
    let offset = 0; // file offset of buf[0]
    let scope: string | null = null;
    let prefix: Buffer | null = null;
    let key: Buffer | null = null;
    let index = 0;
    let sawFinal = false;
    for await (const piece of createReadStream(path, { highWaterMark: CHUNK + 64 })) {
      hash.update(piece as Buffer);
      buf = buf.length ? Buffer.concat([buf, piece as Buffer]) : (piece as Buffer);
      if (scope === null) {
        if (buf.length < 7) continue;
        if (!buf.subarray(0, 4).equals(MAGIC) || buf[4] !== 1) throw new ArtifactIntegrityError('not a Safe Harbor artifact');
        const sl = buf.readUInt16BE(5);
        if (buf.length < 7 + sl + 8) continue;
        scope = buf.subarray(7, 7 + sl).toString();
        prefix = Buffer.from(buf.subarray(7 + sl, 15 + sl));
        key = this.vault.dataKey(scope, false);
        buf = buf.subarray(15 + sl);
        offset += 15 + sl;
      }
      for (;;) {
        if (buf.length < 4) break;
        const len = buf.readUInt32BE(0);
        if (buf.length < 4 + len + 16) break;
        const ct = buf.subarray(4, 4 + len);
        const tag = buf.subarray(4 + len, 20 + len);
        buf = buf.subarray(20 + len);
        offset += 20 + len;
        const final = offset === fileSize;
        const plain = decryptChunk(key!, prefix!, scope, index, final, ct, tag);
        index++;
        if (final) sawFinal = true;
        yield plain;
      }
    }
    if (!sawFinal || buf.length) throw new ArtifactIntegrityError('artifact is truncated or has trailing bytes');
    if (hash.digest('hex') !== digest) throw new ArtifactIntegrityError('artifact content does not match its address');
  }

  /** Reads newline-delimited JSON records one at a time. */
  async *readNdjson<T>(digest: string): AsyncGenerator<T> {
    let rest = '';
    for await (const chunk of this.read(digest)) {
      const text = rest + chunk.toString('utf8');
      const lines = text.split('\n');
      rest = lines.pop()!;
      for (const line of lines) if (line) yield JSON.parse(line) as T;
    }
    if (rest) yield JSON.parse(rest) as T;
  }

  remove(digest: string): void {
    rmSync(this.pathOf(digest), { force: true });
  }
}

function decryptChunk(key: Buffer, prefix: Buffer, scope: string, index: number, final: boolean, ct: Buffer, tag: Buffer): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, nonce(prefix, index));
  d.setAAD(aad(scope, index, final));
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(ct), d.final()]);
  } catch {
    throw new ArtifactIntegrityError(`artifact chunk ${index} failed authentication`);
  }
}
