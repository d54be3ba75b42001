import 'reflect-metadata';
import { createHttpApp } from './app/create-app';
import { loadConfig } from './platform/config';
import { createLogger } from './platform/logger';
import type { ProcessRole } from './platform/tokens';

/** `node dist/main.js` — the service on its embedded defaults, all roles in one process. */
export async function serve(roles: ProcessRole[] = ['api', 'worker', 'scheduler']): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const app = await createHttpApp({ config, logger, roles });
  await app.listen(config.PORT, config.HOST);
  // Graceful shutdown: stop accepting connections, let requests in flight finish, close BullMQ
  // workers (they finish or give back their jobs), then the stores; exit 0.
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      app.close().then(
        () => process.exit(0),
        (err) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
  logger.info(
    { port: config.PORT, dataDir: config.dataDir, ledger: config.LEDGER, roles },
    `Safe Harbor listening on http://localhost:${config.PORT} (OpenAPI at /docs)`,
  );
}

if (require.main === module) {
  serve().catch((err) => {
    // eslint-disable-next-line no-console
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
    process.exit(1);
  });
}
