import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { FileArtifactBlobs, type ArtifactBlobStore } from './artifact-blobs';
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
  readonly blobs: ArtifactBlobStore;

  /** A folder keeps the encrypted files there; otherwise the given blob store (e.g. PostgreSQL). */
  constructor(
    blobs: string | ArtifactBlobStore,
    private readonly vault: PhiVault,
  ) {
    this.blobs = typeof blobs === 'string' ? new FileArtifactBlobs(blobs) : blobs;
  }

  /** The file of an artifact (file-backed stores only: tests and the evidence tools read it). */
  pathOf(digest: string): string {
    if (!(this.blobs instanceof FileArtifactBlobs)) throw new Error('artifacts are not stored as files here');
    return this.blobs.pathOf(digest);
  }

  has(digest: string): Promise<boolean> {
    return this.blobs.has(digest);
  }

  /** Encrypts a plaintext stream into a new artifact. */
  async write(scope: string, source: AsyncIterable<Buffer | string>): Promise<ArtifactRef> {
    const key = await this.vault.dataKey(scope, true);
    const out = await this.blobs.begin();
    const hash = createHash('sha256');
    const prefix = randomBytes(8);
    const scopeBytes = Buffer.from(scope);
    const header = Buffer.alloc(MAGIC.length + 3);
    MAGIC.copy(header);
    header[4] = 1;
    header.writeUInt16BE(scopeBytes.length, 5);
    const emit = async (buf: Buffer) => {
      hash.update(buf);
      await out.write(buf);
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
    let digest: string;
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
      digest = hash.digest('hex');
    } catch (e) {
      await out.abort();
      throw e;
    }
    await out.commit(digest);
    return { digest, size, scope };
  }

  /** Decrypts an artifact chunk by chunk; each chunk is authenticated before it is yielded. */
  async *read(digest: string): AsyncGenerator<Buffer> {
    const { size: fileSize, bytes } = await this.blobs.open(digest);
    const hash = createHash('sha256');
    let buf: Buffer = Buffer.alloc(0);
    let offset = 0; // offset of buf[0] in the stored bytes
    let scope: string | null = null;
    let prefix: Buffer | null = null;
    let key: Buffer | null = null;
    let index = 0;
    let sawFinal = false;
    for await (const piece of bytes) {
      hash.update(piece);
      buf = buf.length ? Buffer.concat([buf, piece]) : piece;
      if (scope === null) {
        if (buf.length < 7) continue;
        if (!buf.subarray(0, 4).equals(MAGIC) || buf[4] !== 1) throw new ArtifactIntegrityError('not a Safe Harbor artifact');
        const sl = buf.readUInt16BE(5);
        if (buf.length < 7 + sl + 8) continue;
        scope = buf.subarray(7, 7 + sl).toString();
        prefix = Buffer.from(buf.subarray(7 + sl, 15 + sl));
        key = await this.vault.dataKey(scope, false);
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

  /**
   * Removes temporary files a killed process left behind (a SIGKILL during an import never
   * reaches the writer's abort). Only blobs kept as files have such leftovers: a PostgreSQL blob
   * is written in one transaction, which a killed process rolls back.
   */
  sweepAbandoned(now: Date, maxAgeMs: number): number {
    return this.blobs instanceof FileArtifactBlobs ? this.blobs.sweepAbandoned(now, maxAgeMs) : 0;
  }

  remove(digest: string): Promise<void> {
    return this.blobs.remove(digest);
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
