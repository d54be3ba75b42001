import { resolve } from 'node:path';
import { z } from 'zod';
import { ValidationError } from './errors';

/** Typed configuration from the environment; every key has an embedded default. */
const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().default('./data'),
  MASTER_KEY_FILE: z.string().default('./secrets/master.key'),
  LEDGER: z.enum(['sqlite', 'kurrentdb', 'postgres']).default('sqlite'),
  KURRENTDB_URL: z.string().optional(),
  // PostgreSQL, the store several machines share (LEDGER=postgres; later the other stores too).
  DATABASE_URL: z.string().optional(),
  LEDGER_SYNCHRONOUS: z.enum(['full', 'normal']).default('full'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/)
    .default('safeharbor'),
  MAIL_TRANSPORT: z.enum(['outbox', 'smtp']).default('outbox'),
  SMTP_URL: z.string().optional(),
  MAIL_FROM: z.string().default('Safe Harbor <no-reply@safeharbor.invalid>'),
  /** JSON role → mailboxes for reminders and escalations; unset, they go to placeholder addresses (a warning). */
  SAFEHARBOR_ROLE_EMAILS: z.string().optional(),
  ORG_NAME: z.string().default('Example Health System'),
  ORG_TIMEZONE: z.string().default('America/New_York'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BODY_LIMIT: z.string().default('1mb'),
  // Hostile JSON (src/platform/http/json-limits.ts): nesting depth and member count of a body.
  JSON_MAX_DEPTH: z.coerce.number().int().min(4).max(256).default(32),
  JSON_MAX_VALUES: z.coerce.number().int().min(100).default(100_000),
  // The longest an import may write its encrypted temporary file without touching it; older leftovers are removed on start.
  ARTIFACT_TMP_MAX_AGE_MINUTES: z.coerce.number().positive().default(360),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  PROJECTION_POLL_MS: z.coerce.number().int().positive().default(250),
  // The console and sign-in for people (src/auth/people, src/console); checked further in consoleSettings().
  PUBLIC_URL: z.string().optional(),
  CONSOLE_DIR: z.string().optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().positive().max(1440).default(15),
  SESSION_MAX_HOURS: z.coerce.number().positive().max(168).default(12),
  SESSION_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  INVITATION_TTL_HOURS: z.coerce.number().positive().max(720).default(72),
  OIDC_ISSUER: z.string().optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  OIDC_ROLE_CLAIM: z.string().default('safeharbor_role'),
  OIDC_ROLE_MAP: z.string().optional(),
  OIDC_SCOPES: z.string().default('openid profile email'),
  OIDC_LABEL: z.string().default('Sign in with single sign-on'),
});

export type RawConfig = z.infer<typeof ConfigSchema>;

export interface AppConfig extends RawConfig {
  dataDir: string;
  ledgerPath: string;
  readModelPath: string;
  vaultPath: string;
  artifactsDir: string;
  outboxDir: string;
  masterKeyPath: string;
}

export const APP_CONFIG = Symbol('AppConfig');

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ValidationError(parsed.error.issues.map((i) => ({ field: `env.${i.path.join('.')}`, reason: i.message })));
  }
  const c = parsed.data;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: c.ORG_TIMEZONE });
  } catch {
    throw ValidationError.field('env.ORG_TIMEZONE', 'not an IANA time zone');
  }
  const dataDir = resolve(c.DATA_DIR);
  return {
    ...c,
    dataDir,
    ledgerPath: resolve(dataDir, 'ledger.db'),
    readModelPath: resolve(dataDir, 'read.db'),
    vaultPath: resolve(dataDir, 'vault.db'),
    artifactsDir: resolve(dataDir, 'artifacts'),
    outboxDir: resolve(dataDir, 'outbox'),
    masterKeyPath: resolve(c.MASTER_KEY_FILE),
  };
}
