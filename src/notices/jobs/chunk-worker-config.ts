/**
 * What a sandboxed chunk processor needs to build its own dependencies (it runs in a child
 * process): paths, Redis and mail settings. Passed through the child's environment, never in a
 * job payload.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerOptions } from 'bullmq';

export interface ChunkWorkerConfig {
  deliveryDbPath: string;
  artifactsDir: string;
  vaultPath: string;
  /** Set when LEDGER=postgres: data keys and artifacts are in PostgreSQL, not vaultPath / artifactsDir. */
  databaseUrl?: string;
  masterKeyPath: string;
  templatesDir?: string;
  redisUrl: string;
  redisPrefix: string;
  mail: { kind: 'outbox'; dir: string } | { kind: 'smtp'; url: string; maxConnections?: number };
  /** Global email rate across all workers (messages per second); 0 = unlimited. */
  emailRatePerSecond: number;
  emailConcurrency: number;
  relayLogUrl?: string;
  inDoubtPolicy: 'resend' | 'hold';
  duplex: boolean;
  /** Intelligent Mail barcode on every letter when a mailer id is configured. */
  imb?: ImbConfig;
}

export interface ImbConfig {
  barcodeId: string;
  serviceType: string;
  mailerId: string;
}

export const CHILD_CONFIG_ENV = 'SAFEHARBOR_NOTICES_CHUNK_CONFIG';

/** A sandboxed processor file: the compiled `<name>.processor.js` in dist/, the SWC shim when running from sources. */
function processorFile(name: 'chunk' | 'email'): string {
  const js = join(__dirname, `${name}.processor.js`);
  return existsSync(js) ? js : join(__dirname, `${name}.processor.dev.js`);
}

/** Renders chunks (notices-chunks). */
export function chunkProcessorFile(): string {
  return processorFile('chunk');
}

/** Sends a chunk's emails (notices-email). */
export function emailProcessorFile(): string {
  return processorFile('email');
}

export function sandboxOptions(config: ChunkWorkerConfig): Partial<WorkerOptions> {
  return {
    useWorkerThreads: false,
    workerForkOptions: { env: { ...process.env, [CHILD_CONFIG_ENV]: JSON.stringify(config) } } as never,
  };
}
