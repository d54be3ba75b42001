import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../ledger/ledger';
import { SEALED_CELL_PREFIX, SEALED_TEXT, isSealedValue } from '../ledger/sealing';
import type { AppConfig } from '../platform/config';
import { AppError, UnauthorizedError, ValidationError } from '../platform/errors';
import type { ProcessRole } from '../platform/tokens';

/** Bad usage or invalid input: exit code 2, message names what is wrong. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** What every CLI command gets: the app on the local data dir, the caller's identity, output helpers. */
export class CliRuntime {
  private configCache: AppConfig | null = null;

  constructor(private readonly apiKeyFromFlag: () => string | undefined) {}

  /** The service configuration from the environment (loaded with the first command that needs it). */
  async config(): Promise<AppConfig> {
    if (!this.configCache) this.configCache = (await import('../platform/config')).loadConfig();
    return this.configCache;
  }

  /**
   * Boots the service context (no HTTP, no workers) on the configured data dir, runs fn, closes.
   * The application is loaded here, not before: commands that need no container never load it.
   */
  async withApp<T>(
    fn: (app: INestApplicationContext) => Promise<T>,
    roles: ProcessRole[] = ['cli'],
    opts: { mayCreateKey?: boolean } = {},
  ): Promise<T> {
    const config = await this.config();
    // Only setting up (serve, the first principal) creates a master key: any other command run on
    // the wrong folder would otherwise start an empty installation and then call the API key invalid.
    if (!opts.mayCreateKey) {
      const { existsSync } = await import('node:fs');
      if (!existsSync(config.masterKeyPath))
        throw new CliUsageError(
          `no master key at ${config.masterKeyPath} (DATA_DIR ${config.dataDir}): this command does not create one. ` +
            'Set DATA_DIR and MASTER_KEY_FILE to your installation, or set up a new one with "safeharbor serve" or "safeharbor principals create".',
        );
    }
    const { createLogger } = await import('../platform/logger');
    const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr as never);
    const { createAppContext } = await import('../app/create-app');
    const app = await createAppContext({ config, logger, roles });
    await app.init();
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  }

  apiKey(): string | undefined {
    return this.apiKeyFromFlag() ?? process.env.SAFEHARBOR_API_KEY;
  }

  /** The acting principal from --api-key or SAFEHARBOR_API_KEY; its id goes into event metadata. */
  async actor(app: INestApplicationContext): Promise<CommandContext> {
    const key = this.apiKey();
    if (!key) throw new CliUsageError('this command needs an API key: pass --api-key or set SAFEHARBOR_API_KEY');
    const { PrincipalsService } = await import('../auth/principals.service');
    const principal = await app.get(PrincipalsService).authenticate(key);
    if (!principal) throw new UnauthorizedError('the API key is not valid');
    return { actor: { id: principal.id, role: principal.role }, correlationId: randomUUID() };
  }

  /** Free text stays sealed on the command line: it prints "[sealed free text]" (read it through the API or the console). */
  print(value: unknown): void {
    process.stdout.write(
      typeof value === 'string'
        ? maskSealed(value) + (value.endsWith('\n') ? '' : '\n')
        : JSON.stringify(value, (k, v) => sealedReplacer(k, bigintReplacer(k, v)), 2) + '\n',
    );
  }

  /** A progress bar on stderr (stdout stays clean for JSON); silent when stderr is not a terminal and CI is set. */
  progress(label: string, total: number): { update(n: number): void; stop(): void } {
    // Loaded on first use: most commands show no progress bar (it pulls in some 20 modules).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Presets, SingleBar } = require('cli-progress') as typeof import('cli-progress');
    const bar = new SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}`,
        stream: process.stderr,
        noTTYOutput: !process.env.CI,
        notTTYSchedule: 2000,
      },
      Presets.shades_classic,
    );
    const start = Date.now();
    bar.start(total, 0, { rate: 0 });
    return {
      update(n: number) {
        const secs = (Date.now() - start) / 1000;
        bar.update(n, { rate: secs > 0 ? Math.round(n / secs) : 0 });
      },
      stop() {
        bar.stop();
      },
    };
  }

  /**
   * Screens the free text a command sends with the API's screen (src/app/free-text-screen.ts):
   * likely identifiers, and the names on the affected list of the incident the command names.
   * A finding stops the command (exit 2, naming the field, never the text) unless `--phi-confirmed`
   * was given; a confirmed finding is recorded as `FreeTextPhiConfirmed` (route: `cli <command>`).
   */
  async screenFreeText(
    app: INestApplicationContext,
    ctx: CommandContext,
    body: unknown,
    opts: { command: string; incidentId?: string | null; phiConfirmed?: boolean },
  ): Promise<void> {
    const { FreeTextScreen } = await import('../app/free-text-screen');
    const { AffectedNamesService } = await import('../incidents');
    const { LEDGER } = await import('../ledger/ledger');
    const screen = new FreeTextScreen(app.get(LEDGER), app.get(AffectedNamesService));
    const hint = 'pass --phi-confirmed to record it anyway (the confirmation is recorded)';
    const findings = await screen.check(body, opts.incidentId ?? null, opts.phiConfirmed === true, hint);
    if (findings.length)
      await screen.record(
        {
          principal: { id: ctx.actor.id, role: ctx.actor.role as never },
          method: 'CLI',
          route: `cli ${opts.command}`,
          params: opts.incidentId ? { incidentId: opts.incidentId } : {},
          correlationId: ctx.correlationId,
        },
        findings,
      );
  }
}

const EMBEDDED_SEALED = /\{"\$phi":1,[^{}]*\}/g;
const maskSealed = (s: string): string => s.replace(EMBEDDED_SEALED, SEALED_TEXT);
function sealedReplacer(_k: string, v: unknown): unknown {
  if (isSealedValue(v)) return SEALED_TEXT;
  return typeof v === 'string' && v.includes(SEALED_CELL_PREFIX) ? maskSealed(v) : v;
}

export function bigintReplacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** Exit codes: 0 ok, 1 failure, 2 bad usage or invalid input. Messages never carry PHI. */
export function exitCodeFor(err: unknown): { code: number; message: string } {
  if (err instanceof CliUsageError) return { code: 2, message: err.message };
  if (err instanceof ValidationError) return { code: 2, message: `invalid input: ${err.message}` };
  // Likely PHI in free text (422 in the API) is invalid input here: exit 2, the message names the field.
  if (err instanceof AppError) return { code: err.status === 400 || err.code === 'possible-phi' ? 2 : 1, message: err.message };
  if (err instanceof Error && (err as { code?: string }).code?.startsWith('commander.')) return { code: 2, message: err.message };
  if (err instanceof Error && /^[A-Z_]+$/.test(String((err as { code?: string }).code ?? ''))) return { code: 1, message: err.message };
  return { code: 1, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}
