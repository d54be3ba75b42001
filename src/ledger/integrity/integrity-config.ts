import * as path from 'node:path';
import { z } from 'zod';
import { ValidationError } from '../../platform/errors';
import { Ed25519NoteKey } from './note';

/**
 * Integrity settings from the environment (all optional):
 *   LEDGER_ORIGIN               checkpoint origin = the ledger key's name (default safeharbor.local/ledger)
 *   LEDGER_CHECKPOINT_EVERY     sign a checkpoint every N events (default 256)
 *   LEDGER_CHECKPOINT_SECONDS   ... and every T seconds when the tree grew (default 60; 0 = off)
 *   LEDGER_WITNESS_DIRS         comma-separated file-witness directories (default <DATA_DIR>-witness,
 *                               a sibling of the data dir: put it on another disk or mount)
 *   LEDGER_WITNESS_URLS         comma-separated `<witness vkey>@<url>` of HTTP witnesses (tlog-witness)
 *   LEDGER_WITNESS_QUORUM       k of the n witnesses a checkpoint needs for proofs/exports (default 1)
 *   LEDGER_KEY_DIR              the log signing key and the event authentication key (default: the
 *                               master key's folder, outside DATA_DIR; never inside it)
 */
const Schema = z.object({
  LEDGER_ORIGIN: z
    .string()
    .regex(/^[^\s+]+$/, 'no spaces or "+"')
    .max(200)
    .default('safeharbor.local/ledger'),
  LEDGER_CHECKPOINT_EVERY: z.coerce.number().int().min(1).default(256),
  LEDGER_CHECKPOINT_SECONDS: z.coerce.number().int().min(0).default(60),
  LEDGER_WITNESS_DIRS: z.string().optional(),
  LEDGER_WITNESS_URLS: z.string().optional(),
  LEDGER_WITNESS_QUORUM: z.coerce.number().int().min(0).default(1),
  LEDGER_KEY_DIR: z.string().min(1).optional(),
});

export interface IntegrityConfig {
  origin: string;
  keyDir: string;
  /** Where earlier versions kept the log key (DATA_DIR/integrity): moved from on start. */
  legacyKeyDir: string;
  checkpointEveryEvents: number;
  checkpointEverySeconds: number;
  fileWitnessDirs: string[];
  httpWitnesses: Array<{ vkey: string; url: string }>;
  quorum: number;
}

export function loadIntegrityConfig(
  dataDir: string,
  env: Record<string, string | undefined> = process.env,
  masterKeyPath: string = path.resolve(env.MASTER_KEY_FILE ?? './secrets/master.key'),
): IntegrityConfig {
  const parsed = Schema.safeParse(env);
  if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => ({ field: `env.${i.path.join('.')}`, reason: i.message })));
  const c = parsed.data;
  const dirs =
    c.LEDGER_WITNESS_DIRS === undefined
      ? [`${path.resolve(dataDir)}-witness`]
      : c.LEDGER_WITNESS_DIRS.split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map((d) => path.resolve(d));
  const urls = (c.LEDGER_WITNESS_URLS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const at = entry.lastIndexOf('@');
      if (at < 0) throw ValidationError.field(`env.LEDGER_WITNESS_URLS[${i}]`, 'expected <witness vkey>@<url>');
      const vkey = entry.slice(0, at);
      const url = entry.slice(at + 1);
      try {
        Ed25519NoteKey.fromVerifierKey(vkey);
        new URL(url);
      } catch {
        throw ValidationError.field(`env.LEDGER_WITNESS_URLS[${i}]`, 'not a valid <witness vkey>@<url>');
      }
      return { vkey, url };
    });
  const keyDir = path.resolve(c.LEDGER_KEY_DIR ?? path.dirname(masterKeyPath));
  const rel = path.relative(path.resolve(dataDir), keyDir);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)))
    throw ValidationError.field(
      c.LEDGER_KEY_DIR ? 'env.LEDGER_KEY_DIR' : 'env.MASTER_KEY_FILE',
      'the ledger keys must live outside DATA_DIR (whoever can write the data disk could otherwise re-sign the ledger)',
    );
  const n = dirs.length + urls.length;
  if (c.LEDGER_WITNESS_QUORUM > n) throw ValidationError.field('env.LEDGER_WITNESS_QUORUM', `larger than the ${n} configured witness(es)`);
  return {
    origin: c.LEDGER_ORIGIN,
    keyDir,
    legacyKeyDir: path.join(path.resolve(dataDir), 'integrity'),
    checkpointEveryEvents: c.LEDGER_CHECKPOINT_EVERY,
    checkpointEverySeconds: c.LEDGER_CHECKPOINT_SECONDS,
    fileWitnessDirs: dirs,
    httpWitnesses: urls,
    quorum: c.LEDGER_WITNESS_QUORUM,
  };
}
