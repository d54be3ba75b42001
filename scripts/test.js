#!/usr/bin/env node
// `npm test [-- jest args]`: `npm run lint` first (so CI enforces it; SKIP_LINT=1 skips it for a quick targeted run),
// then the whole suite (unit, integration against real SQLite/Redis/SMTP, e2e).
// scripts/ensure-deps.js has already installed dependencies and made sure Redis answers.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
if (process.env.SKIP_LINT !== '1') {
  const lint = spawnSync(process.execPath, [path.join(root, 'scripts', 'lint.js')], { cwd: root, stdio: 'inherit' });
  if (lint.status !== 0) {
    console.error('npm test: lint failed (see above); `npm run lint` reproduces it.');
    process.exit(lint.status === null ? 1 : lint.status);
  }
}
const args = [jest, '--ci', ...process.argv.slice(2)];
const env = { ...process.env, REDIS_URL: process.env.REDIS_URL || 'redis://127.0.0.1:6379', TZ: 'UTC' };
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env });
process.exit(r.status === null ? 1 : r.status);
