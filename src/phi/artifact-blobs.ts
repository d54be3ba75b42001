import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';

/**
 * Where the encrypted bytes of artifacts live: files under DATA_DIR/artifacts (embedded default) or
 * PostgreSQL (shared by several machines, src/phi/pg-artifact-blobs.ts). The bytes are already
 * encrypted and content-addressed by ArtifactStore; a blob store only keeps them, streamed in and
 * out in bounded memory. Both adapters pass test/integration/phi/artifact-blobs.contract.ts.
 */
export interface BlobWriter {
  write(bytes: Buffer): Promise<void>;
  /** Makes the blob readable under `digest` (a blob already there with that digest is kept). */
  commit(digest: string): Promise<void>;
  abort(): Promise<void>;
}

export interface ArtifactBlobStore {
  begin(): Promise<BlobWriter>;
  has(digest: string): Promise<boolean>;
  /** The blob's size in bytes and its bytes in order; throws when absent. */
  open(digest: string): Promise<{ size: number; bytes: AsyncIterable<Buffer> }>;
  remove(digest: string): Promise<void>;
}

export function assertDigest(digest: string): void {
  if (!/^[0-9a-f]{64}$/.test(digest)) throw new Error('invalid artifact digest');
}

export class FileArtifactBlobs implements ArtifactBlobStore {
  constructor(private readonly dir: string) {
    mkdirSync(join(dir, 'tmp'), { recursive: true });
  }

  pathOf(digest: string): string {
    assertDigest(digest);
    return join(this.dir, digest.slice(0, 2), digest);
  }

  async begin(): Promise<BlobWriter> {
    const tmp = join(this.dir, 'tmp', randomBytes(12).toString('hex'));
    const out = createWriteStream(tmp, { mode: 0o600 });
    return {
      write: async (buf) => {
        if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      },
      commit: async (digest) => {
        out.end();
        await finished(out);
        const finalPath = this.pathOf(digest);
        mkdirSync(join(this.dir, digest.slice(0, 2)), { recursive: true });
        renameSync(tmp, finalPath);
      },
      abort: async () => {
        // A write may still be in flight: its ERR_STREAM_DESTROYED must not become an unhandled 'error' (a crash).
        out.on('error', () => undefined);
        out.destroy();
        rmSync(tmp, { force: true });
      },
    };
  }

  async has(digest: string): Promise<boolean> {
    return existsSync(this.pathOf(digest));
  }

  async open(digest: string): Promise<{ size: number; bytes: AsyncIterable<Buffer> }> {
    const path = this.pathOf(digest);
    return { size: statSync(path).size, bytes: createReadStream(path, { highWaterMark: 64 * 1024 + 64 }) };
  }

  async remove(digest: string): Promise<void> {
    rmSync(this.pathOf(digest), { force: true });
  }

  /**
   * Temporary files untouched for longer than `maxAgeMs` (a process killed mid-write). Several
   * processes share this folder, so a write in progress, whose file's mtime moves with every
   * chunk, is never taken. The files are encrypted; this is about not keeping what nobody can account for.
   */
  sweepAbandoned(now: Date, maxAgeMs: number): number {
    const dir = join(this.dir, 'tmp');
    let removed = 0;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      try {
        const st = statSync(path);
        if (st.isFile() && now.getTime() - st.mtimeMs > maxAgeMs) {
          rmSync(path, { force: true });
          removed++;
        }
      } catch {
        /* removed by another process meanwhile */
      }
    }
    return removed;
  }
}
