import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pool } from 'pg';

/**
 * Schema migrations: plain numbered SQL files (`NNN_name.sql` beside this file), applied in order
 * at start, each in its own transaction together with its row in `schema_migrations`.
 *
 * Plain files rather than node-pg-migrate: the schema is small, reviewed as SQL, and applied by
 * the service itself at start (no extra CLI or dependency in the deployment); a file once shipped
 * is never edited, a change is a new number.
 *
 * Several processes may start at once (two api + two workers): the whole run holds a session
 * advisory lock, so exactly one applies the pending files and the others wait, then find nothing
 * left to do.
 */
export const MIGRATIONS_DIR = join(__dirname, 'migrations');

/** The advisory lock key of the migration run ('SHMIGRAT' as a 64-bit number, fixed forever). */
export const MIGRATION_LOCK_KEY = '6001939339051340116';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = /^(\d{3})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) continue;
    out.push({ version: Number(m[1]), name: m[2]!, sql: readFileSync(join(dir, file), 'utf8') });
  }
  out.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration numbers must run 001, 002, … without gaps (found ${m.version} at ${i + 1})`);
  });
  return out;
}

/** Applies every pending migration; returns the versions this call applied. */
export async function migrate(pool: Pool, migrations: Migration[] = loadMigrations()): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      const known = new Set(migrations.map((m) => m.version));
      const unknown = [...done].filter((v) => !known.has(v));
      if (unknown.length > 0) {
        throw new Error(`the database has migrations this build does not know (${unknown.join(', ')}): it was migrated by a newer version`);
      }
      for (const m of migrations) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
        applied.push(m.version);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
  return applied;
}
