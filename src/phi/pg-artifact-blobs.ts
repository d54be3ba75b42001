import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { PgDatabase } from '../platform/postgres/pool';
import { assertDigest, type ArtifactBlobStore, type BlobWriter } from './artifact-blobs';

/** Bytes per row: large enough for few rows, small enough that a page of rows is a few MB. */
const ROW_BYTES = 256 * 1024;
/** Rows fetched per query when reading: bounds memory to ROWS_PER_PAGE × ROW_BYTES. */
const ROWS_PER_PAGE = 8;

/**
 * Encrypted artifact bytes on PostgreSQL (migration 003): a blob is rows of ≤ 256 KiB bytea in
 * artifact_chunks, written in one transaction as the bytes stream in (nothing is held beyond one
 * row), and made visible under its digest in artifacts at COMMIT. Reads page through the rows, so a
 * 100 MB affected list is never in memory. Same content twice keeps the first blob.
 */
export class PgArtifactBlobs implements ArtifactBlobStore {
  constructor(private readonly db: PgDatabase) {}

  async begin(): Promise<BlobWriter> {
    await this.db.ready();
    const client = await this.db.pool.connect();
    const blobId = randomUUID();
    let seq = 0;
    let size = 0;
    let pending: Buffer[] = [];
    let pendingLen = 0;
    let done = false;
    const finish = async (sql: string) => {
      done = true;
      try {
        await client.query(sql);
      } finally {
        client.release();
      }
    };
    const flush = async (c: PoolClient) => {
      if (pendingLen === 0) return;
      const row = Buffer.concat(pending, pendingLen);
      pending = [];
      pendingLen = 0;
      await c.query('INSERT INTO artifact_chunks (blob_id, seq, bytes) VALUES ($1, $2, $3)', [blobId, seq++, row]);
    };
    try {
      await client.query('BEGIN');
    } catch (err) {
      client.release();
      throw err;
    }
    return {
      write: async (buf) => {
        let rest = buf;
        size += buf.length;
        while (rest.length > 0) {
          const take = Math.min(ROW_BYTES - pendingLen, rest.length);
          pending.push(rest.subarray(0, take));
          pendingLen += take;
          rest = rest.subarray(take);
          if (pendingLen === ROW_BYTES) await flush(client);
        }
      },
      commit: async (digest) => {
        assertDigest(digest);
        try {
          await flush(client);
          const r = await client.query(
            'INSERT INTO artifacts (digest, blob_id, size) VALUES ($1, $2, $3) ON CONFLICT (digest) DO NOTHING',
            [digest, blobId, size],
          );
          if (r.rowCount === 0) await client.query('DELETE FROM artifact_chunks WHERE blob_id = $1', [blobId]); // same content already stored
        } catch (err) {
          await finish('ROLLBACK');
          throw err;
        }
        await finish('COMMIT');
      },
      abort: async () => {
        if (!done) await finish('ROLLBACK');
      },
    };
  }

  async has(digest: string): Promise<boolean> {
    assertDigest(digest);
    await this.db.ready();
    return ((await this.db.pool.query('SELECT 1 FROM artifacts WHERE digest = $1', [digest])).rowCount ?? 0) > 0;
  }

  async open(digest: string): Promise<{ size: number; bytes: AsyncIterable<Buffer> }> {
    assertDigest(digest);
    await this.db.ready();
    const r = await this.db.pool.query<{ blob_id: string; size: string }>('SELECT blob_id, size FROM artifacts WHERE digest = $1', [
      digest,
    ]);
    if (r.rows.length === 0) throw Object.assign(new Error(`no artifact ${digest}`), { code: 'ENOENT' });
    const { blob_id: blobId } = r.rows[0]!;
    const pool = this.db.pool;
    async function* bytes(): AsyncGenerator<Buffer> {
      let next = 0;
      for (;;) {
        const page = await pool.query<{ seq: number; bytes: Buffer }>(
          'SELECT seq, bytes FROM artifact_chunks WHERE blob_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3',
          [blobId, next, ROWS_PER_PAGE],
        );
        for (const row of page.rows) {
          if (row.seq !== next) throw new Error(`artifact ${digest}: row ${next} is missing`);
          next++;
          yield row.bytes;
        }
        if (page.rows.length < ROWS_PER_PAGE) return;
      }
    }
    return { size: Number(r.rows[0]!.size), bytes: bytes() };
  }

  async remove(digest: string): Promise<void> {
    assertDigest(digest);
    await this.db.ready();
    const client = await this.db.pool.connect();
    try {
      await client.query('BEGIN');
      const r = await client.query<{ blob_id: string }>('DELETE FROM artifacts WHERE digest = $1 RETURNING blob_id', [digest]);
      if (r.rows[0]) await client.query('DELETE FROM artifact_chunks WHERE blob_id = $1', [r.rows[0].blob_id]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
