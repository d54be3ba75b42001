/** Jest runs TypeScript through SWC (no type checking at test time; `npm run typecheck` does that). */
const swc = (syntax) => [
  '@swc/jest',
  {
    jsc: {
      parser: syntax === 'typescript' ? { syntax, decorators: true } : { syntax },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

// Dependencies published as ES modules only. Node 20.19+ loads them from our CommonJS build
// through require(esm); Jest's own module loader does that only from Node 24.9, so under Jest
// they are compiled to CommonJS by the same SWC as our sources.
// See docs/decisions/0001-dependency-majors.md.
// ESM-only packages compiled to CommonJS for Jest (Node loads them natively at run time).
const ESM_ONLY = ['uuid', 'openid-client', 'oauth4webapi', 'jose'];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: ['**/*.spec.ts', '**/*.test.ts'],
  transform: {
    '^.+\\.ts$': swc('typescript'),
    [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: swc('ecmascript'),
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  testTimeout: 60000,
  maxWorkers: 2,
};
