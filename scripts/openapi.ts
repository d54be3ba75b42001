// Writes the service's OpenAPI document without a running server: the Nest app is created (not
// initialised, not listening) on a throw-away data folder and its routes are read. Used by
// scripts/build-web.js to generate the console's typed API client.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createHttpApp, openApiDocument } from '../src/app';
import { loadConfig } from '../src/platform/config';
import { createLogger } from '../src/platform/logger';

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? 'web/generated/openapi.json');
  const dir = mkdtempSync(join(tmpdir(), 'safeharbor-openapi-'));
  try {
    const config = loadConfig({
      DATA_DIR: join(dir, 'data'),
      MASTER_KEY_FILE: join(dir, 'master.key'),
      LOG_LEVEL: 'silent',
      CONSOLE_DIR: join(dir, 'none'),
    });
    const app = await createHttpApp({ config, logger: createLogger('silent'), roles: ['api'] });
    const doc = openApiDocument(app);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(doc, null, 2) + '\n');
    await app.close().catch(() => undefined);
    process.stdout.write(`OpenAPI: ${Object.keys(doc.paths).length} paths → ${out}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`openapi: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
