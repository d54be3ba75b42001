/**
 * Notices configuration from the environment (validated, with defaults):
 * NOTICES_ORGANIZATION_FILE  JSON organization profile (name, letterhead, logo, contact, signatory…)
 * NOTICES_CHUNK_SIZE         recipients per job / mail-house print file (default 1000)
 * NOTICES_WORKER_CONCURRENCY sandboxed chunk processes per worker (default: one per core, less one on 3+ cores when
 *                            the same process also serves the api; see defaultRenderConcurrency)
 * NOTICES_EMAIL_RATE         global emails per second across all workers over SMTP (default 50; 0 = unlimited;
 *                            the outbox folder is never rate-limited: nothing leaves the machine)
 * NOTICES_EMAIL_CONCURRENCY  emails in flight per email job (default 8)
 * NOTICES_EMAIL_WORKERS      sandboxed email processes per worker (default 1: email waits on the network and the rate limit)
 * NOTICES_RELAY_LOG_URL      relay acceptance log for in-doubt emails after a crash (optional)
 * NOTICES_IN_DOUBT_POLICY    resend (default) | hold
 * NOTICES_POSTING_DAYS       substitute-notice posting period (default 90, minimum 90)
 * NOTICES_IMB_MAILER_ID      USPS mailer id (6 or 9 digits): prints an Intelligent Mail barcode on every letter
 * NOTICES_IMB_SERVICE_TYPE   IMb service type id (default 700: First-Class Mail, no address-change services)
 * NOTICES_IMB_BARCODE_ID     IMb barcode id (default 00: no OEL)
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { AppConfig } from '../platform/config';
import { ValidationError } from '../platform/errors';
import type { ChunkWorkerConfig, ImbConfig } from './jobs/chunk-worker-config';
import { encodeImb, ImbError, imbSerial } from './rendering/imb';

export const NOTICES_SETTINGS = Symbol('NoticesSettings');

export interface NoticesSettings {
  organization: unknown | null;
  templatesDir?: string;
  chunkSize: number;
  workerConcurrency: number;
  /** Sandboxed email processes per worker (the notices-email queue). */
  emailWorkerConcurrency: number;
  postingDays: number;
  chunk: ChunkWorkerConfig;
}

const Env = z.object({
  NOTICES_ORGANIZATION_FILE: z.string().optional(),
  NOTICES_TEMPLATES_DIR: z.string().optional(),
  NOTICES_CHUNK_SIZE: z.coerce.number().int().min(1).max(10000).default(1000),
  NOTICES_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).optional(),
  NOTICES_EMAIL_RATE: z.coerce.number().min(0).default(50),
  NOTICES_EMAIL_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  NOTICES_EMAIL_WORKERS: z.coerce.number().int().min(1).max(16).default(1),
  NOTICES_RELAY_LOG_URL: z.string().url().optional(),
  NOTICES_IN_DOUBT_POLICY: z.enum(['resend', 'hold']).default('resend'),
  NOTICES_POSTING_DAYS: z.coerce.number().int().min(90).default(90),
  NOTICES_DUPLEX: z.enum(['true', 'false']).default('true'),
  NOTICES_IMB_MAILER_ID: z
    .string()
    .regex(/^(\d{6}|\d{9})$/, 'expected a 6- or 9-digit USPS mailer id')
    .optional(),
  NOTICES_IMB_SERVICE_TYPE: z
    .string()
    .regex(/^\d{3}$/, 'expected a 3-digit service type id')
    .default('700'),
  NOTICES_IMB_BARCODE_ID: z
    .string()
    .regex(/^\d[0-4]$/, 'expected 2 digits, the second 0–4')
    .default('00'),
});

function imbConfig(e: z.infer<typeof Env>): ImbConfig {
  const c = { barcodeId: e.NOTICES_IMB_BARCODE_ID, serviceType: e.NOTICES_IMB_SERVICE_TYPE, mailerId: e.NOTICES_IMB_MAILER_ID! };
  try {
    encodeImb({ ...c, serial: imbSerial(c.mailerId, '0'.repeat(64), 0, 0), routing: '' });
  } catch (err) {
    if (err instanceof ImbError)
      throw ValidationError.field(`env.NOTICES_IMB_${err.field === 'mailerId' ? 'MAILER_ID' : 'SERVICE_TYPE'}`, err.message);
    throw err;
  }
  return c;
}

export function loadNoticesSettings(
  config: AppConfig,
  env: Record<string, string | undefined> = process.env,
  options: { withApi?: boolean } = {},
): NoticesSettings {
  const r = Env.safeParse(env);
  if (!r.success) throw new ValidationError(r.error.issues.map((i) => ({ field: `env.${i.path.join('.')}`, reason: i.message })));
  const e = r.data;
  let organization: unknown = null;
  if (e.NOTICES_ORGANIZATION_FILE) {
    try {
      organization = JSON.parse(readFileSync(e.NOTICES_ORGANIZATION_FILE, 'utf8'));
    } catch {
      throw ValidationError.field('env.NOTICES_ORGANIZATION_FILE', 'not a readable JSON file');
    }
  }
  const mail: ChunkWorkerConfig['mail'] =
    config.MAIL_TRANSPORT === 'smtp'
      ? {
          kind: 'smtp',
          url:
            config.SMTP_URL ??
            (() => {
              throw ValidationError.field('env.SMTP_URL', 'required when MAIL_TRANSPORT=smtp');
            })(),
        }
      : { kind: 'outbox', dir: config.outboxDir };
  return {
    organization,
    ...(e.NOTICES_TEMPLATES_DIR ? { templatesDir: e.NOTICES_TEMPLATES_DIR } : {}),
    chunkSize: e.NOTICES_CHUNK_SIZE,
    workerConcurrency: e.NOTICES_WORKER_CONCURRENCY ?? defaultRenderConcurrency(availableParallelism(), options.withApi ?? false),
    emailWorkerConcurrency: e.NOTICES_EMAIL_WORKERS,
    postingDays: e.NOTICES_POSTING_DAYS,
    chunk: {
      deliveryDbPath: join(config.dataDir, 'notices.db'),
      artifactsDir: config.artifactsDir,
      vaultPath: config.vaultPath,
      ...(config.LEDGER === 'postgres' && config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
      masterKeyPath: config.masterKeyPath,
      ...(e.NOTICES_TEMPLATES_DIR ? { templatesDir: e.NOTICES_TEMPLATES_DIR } : {}),
      redisUrl: config.REDIS_URL,
      redisPrefix: config.REDIS_PREFIX,
      mail,
      emailRatePerSecond: mail.kind === 'outbox' ? 0 : e.NOTICES_EMAIL_RATE,
      emailConcurrency: e.NOTICES_EMAIL_CONCURRENCY,
      ...(e.NOTICES_RELAY_LOG_URL ? { relayLogUrl: e.NOTICES_RELAY_LOG_URL } : {}),
      inDoubtPolicy: e.NOTICES_IN_DOUBT_POLICY,
      duplex: e.NOTICES_DUPLEX === 'true',
      ...(e.NOTICES_IMB_MAILER_ID ? { imb: imbConfig(e) } : {}),
    },
  };
}

/**
 * Sandboxed renderers (separate processes, CPU-bound): one per core. When the same process also
 * serves the api (`npm start` runs every role in one process) and there are three cores or more,
 * one core is left to the api, the queues and the ledger. On two cores or fewer every core
 * renders: the api mostly waits on I/O, and leaving one of two cores idle halved the release rate
 * (issue 15: 712 s vs 485 s for 200,000 people).
 */
export function defaultRenderConcurrency(cores = availableParallelism(), withApi = false): number {
  const n = withApi && cores >= 3 ? cores - 1 : cores;
  return Math.max(1, Math.min(64, n));
}
