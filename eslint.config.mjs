// ESLint flat config: typescript-eslint's recommended rules without type information, so that `npm run lint`
// stays fast enough to run before every `npm test`. Import boundaries live in .dependency-cruiser.cjs.
// Every rule switched off or relaxed here says why.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeGlobals = Object.fromEntries(
  [
    'require',
    'module',
    'exports',
    '__dirname',
    '__filename',
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
    'queueMicrotask',
    'structuredClone',
    'TextEncoder',
    'TextDecoder',
    'AbortController',
    'fetch',
    'performance',
    'globalThis',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  {
    ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'web/**', 'data/**', 'data-witness/**', 'test-results/**', 'test/fixtures/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Older files carry `no-console` directives from before this config; unused directives are not worth failing on.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      // `_`-prefixed names are the house way to drop a field from a rest pattern or to keep a positional parameter.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrors: 'none',
          ignoreRestSiblings: true,
        },
      ],
      // Rows from better-sqlite3 and parsed JSON arrive untyped; projections narrow them at the edge. Typing every
      // row is work for type-aware rules, which are too slow to run before every test run.
      '@typescript-eslint/no-explicit-any': 'off',
      // `cond ? a() : b()` and `x && f()` as statements are used on purpose in a few folds.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // Flags a `let x = 0` initialiser that every path overwrites: harmless, and in siphash.ts deliberate.
      'no-useless-assignment': 'off',
    },
  },
  {
    // Plain Node scripts (CommonJS) and the standalone evidence verifier: require() is their import.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { sourceType: 'commonjs', globals: nodeGlobals },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
  {
    // Tests: lighter. Doubles alias `this` inside generator-based fakes, and tests load modules late with require()
    // so that a fresh copy sees the environment the test has just set.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-this-alias': 'off',
      'require-yield': 'off',
    },
  },
);
