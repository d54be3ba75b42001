import type { INestApplication } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createHttpApp } from '../../src/app';
import type { Role } from '../../src/auth/domain/roles';
import { FakeClock, type Clock } from '../../src/platform/clock';
import { loadConfig, type AppConfig } from '../../src/platform/config';
import { createLogger } from '../../src/platform/logger';
import type { ProcessRole } from '../../src/platform/tokens';
import { uuidv7 } from '../../src/platform/ids';
import { createTestDatabase, type TestDatabase } from './postgres';
import { makeTempDir } from './temp-dir';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  clock: Clock;
  dataDir: string;
  adminKey: string;
  /** supertest against the app's HTTP server. */
  http(): ReturnType<typeof request>;
  /** Creates a principal through the API and returns its API key. */
  principal(role: Role, name?: string): Promise<{ id: string; apiKey: string }>;
  close(): Promise<void>;
}

export function testRedisPrefix(): string {
  return `sh-test-${uuidv7().slice(-12)}`;
}

/**
 * A whole Safe Harbor on its own temp data dir, its own Redis key prefix and a fake clock.
 * Redis comes from REDIS_URL (the test runner starts one when none answers).
 */
export async function startTestApp(options: { clock?: Clock; env?: Record<string, string>; roles?: ProcessRole[] } = {}): Promise<TestApp> {
  const dir = makeTempDir('safeharbor-e2e-');
  // TEST_STORE=postgres runs any e2e suite on the shared store: its own database, dropped on close.
  const pg: TestDatabase | null = process.env.TEST_STORE === 'postgres' && !options.env?.DATABASE_URL ? await createTestDatabase() : null;
  const clock = options.clock ?? new FakeClock('2025-03-10T14:00:00.000Z');
  const config = loadConfig({
    DATA_DIR: join(dir.path, 'data'),
    MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key'),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: testRedisPrefix(),
    LOG_LEVEL: 'silent',
    PROJECTION_POLL_MS: '25',
    ...(pg ? { LEDGER: 'postgres', DATABASE_URL: pg.url } : {}),
    ...options.env,
  });
  const logger = createLogger('silent');
  const app = await createHttpApp({ config, logger, clock, roles: options.roles ?? ['api', 'worker', 'scheduler'] });
  await app.init();
  // A second host on a shared store finds principals already there and writes no bootstrap key.
  const bootstrapKey = join(config.dataDir, 'bootstrap-admin.key');
  const adminKey = existsSync(bootstrapKey) ? readFileSync(bootstrapKey, 'utf8').trim() : '';
  const http = () => request(app.getHttpServer());
  return {
    app,
    config,
    clock,
    dataDir: config.dataDir,
    adminKey,
    http,
    async principal(role, name = `${role} ${uuidv7().slice(-6)}`) {
      const res = await http().post('/v1/principals').set('Authorization', `Bearer ${adminKey}`).send({ name, role });
      if (res.status !== 201) throw new Error(`could not create principal: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.id, apiKey: res.body.apiKey };
    },
    async close() {
      await app.close();
      await pg?.drop();
      dir.cleanup();
    },
  };
}
