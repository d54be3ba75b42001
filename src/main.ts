import 'reflect-metadata';
import { createHttpApp } from './app';
import { loadConfig } from './platform/config';
import { createLogger } from './platform/logger';
import type { ProcessRole } from './platform/tokens';

/** `node dist/main.js` — the service on its embedded defaults, all roles in one process. */
export async function serve(roles: ProcessRole[] = ['api', 'worker', 'scheduler']): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const app = await createHttpApp({ config, logger, roles });
  await app.listen(config.PORT, config.HOST);
  logger.info({ port: config.PORT, dataDir: config.dataDir, ledger: config.LEDGER, roles }, `Safe Harbor listening on http://localhost:${config.PORT} (OpenAPI at /docs)`);
}

if (require.main === module) {
  serve().catch((err) => {
    // eslint-disable-next-line no-console
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
    process.exit(1);
  });
}
