// Import boundaries of the house (docs/CONVENTIONS.md "Boundaries"), checked by `npm run lint`.
// A context is a top-level folder under src/. src/shared, src/ledger and src/platform are the shared kernel.
'use strict';

const IO_MODULES = [
  'fs',
  'fs/promises',
  'net',
  'tls',
  'http',
  'https',
  'http2',
  'dgram',
  'dns',
  'child_process',
  'cluster',
  'worker_threads',
  'readline',
  'os',
  'process',
  'v8',
  'vm',
];
const CLIENTS = ['better-sqlite3', 'pg', 'ioredis', 'bullmq', 'nodemailer', '@kurrent/kurrentdb-client'];
const KERNEL = '^src/(shared|ledger|platform)/';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ holds deciders and rules: no Nest, no node I/O, no database, Redis or queue client.',
      severity: 'error',
      from: { path: '^src/[^/]+/.*domain/' },
      to: {
        path: [
          '^@nestjs/',
          ...IO_MODULES.map((m) => `^(node:)?${m}$`),
          ...CLIENTS.map((m) => `^${m}($|/)`),
          ...CLIENTS.map((m) => `node_modules/${m}/`),
          'node_modules/@nestjs/',
        ],
      },
    },
    {
      name: 'context-through-its-index',
      comment: "A context reaches another context only through that context's index.ts; the shared kernel is open to all.",
      severity: 'error',
      from: { path: '^src/([^/]+)/', pathNot: ['^src/app/', '^src/cli/'] },
      to: {
        path: '^src/[^/]+/.',
        pathNot: [
          '^src/$1/',
          KERNEL,
          '^src/[^/]+/index\\.ts$',
          // src/app/ has a rule of its own below.
          '^src/app/',
          // Exception: the CLI shell (src/cli/runtime.ts: config, auth of the caller, app context on demand) is the host
          // that each context's cli/ folder registers its commands into, as Nest hosts its controllers.
          '^src/cli/runtime\\.ts$',
        ],
      },
    },
    {
      name: 'host-agent-stands-alone',
      comment: 'The host agent ships apart from the service: of the service it imports src/shared/ only.',
      severity: 'error',
      from: { path: '^src/host-agent/' },
      to: { path: '^src/', pathNot: ['^src/host-agent/', '^src/shared/'] },
    },
    {
      name: 'platform-knows-no-context',
      comment: 'src/platform/ sits under the contexts; the composition root (src/app/) sits above them.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/', pathNot: ['^src/platform/', '^src/shared/', '^src/ledger/'] },
    },
    {
      name: 'only-entry-points-import-app',
      comment: 'src/app/ is the composition root: only the entry points (src/main.ts, src/cli/) load it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/app/', '^src/main\\.ts$', '^src/cli/'] },
      to: { path: '^src/app/' },
    },
    {
      name: 'kernel-knows-no-context',
      comment: 'src/shared/ and src/ledger/ are the shared kernel: they import no context.',
      severity: 'error',
      // Exception: src/ledger/integrity/ is the integrity context (witness, checkpoints, evidence route) living beside
      // the ledger it checks; it follows the context rule above instead.
      from: { path: '^src/(shared|ledger)/', pathNot: '^src/ledger/integrity/' },
      to: { path: '^src/', pathNot: [KERNEL] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    cache: false,
  },
};
