/**
 * Browser tests of the console: the built console served by a real Safe Harbor (its own data
 * folder, Redis prefix and fake clock) and the Debian Chromium driven by playwright-core.
 * One server and one browser per test file; each person gets their own browser context (own
 * cookies, own virtual authenticator).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from 'playwright-core';
import { FakeClock } from '../../src/platform/clock';
import { startTestApp, type TestApp } from './test-app';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = resolve(__dirname, '..', '..');
export const SCREENSHOT_DIR = join(ROOT, 'test-results', 'console');

/** `describe`, or a loud skip when Chromium is not installed (npm test installs it as root). */
export function describeInBrowser(name: string, fn: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, fn);
    return;
  }
  process.stderr.write(
    `\n!!! BROWSER TESTS SKIPPED: ${CHROMIUM} is missing. Install it (apt-get install chromium) or set CHROMIUM_PATH. !!!\n\n`,
  );
  describe.skip(name, fn);
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name === 'generated') continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Builds web/dist when it is missing or older than the console's or the API's sources. Two test
 * files may ask at once (Jest workers): a lock directory makes the second wait for the first.
 */
export async function ensureConsoleBuilt(): Promise<void> {
  const index = join(ROOT, 'web', 'dist', 'index.html');
  const stale = () => !existsSync(index) || statSync(index).mtimeMs < Math.max(newest(join(ROOT, 'web')), newest(join(ROOT, 'src')));
  const lock = join(ROOT, 'web', '.build-lock');
  for (let waited = 0; ; waited += 500) {
    if (!stale()) return;
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 240_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (!stale()) return;
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-web.js')], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`console build failed:\n${r.stdout}\n${r.stderr}`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export interface ConsoleHarness {
  t: TestApp;
  clock: FakeClock;
  browser: Browser;
  baseUrl: string;
  /** A fresh browser context (a person) with its page; CSP violations and page errors are collected. */
  person(): Promise<Person>;
  close(): Promise<void>;
}

export interface Person {
  context: BrowserContext;
  page: Page;
  cdp: CDPSession;
  /** Console messages that report a Content-Security-Policy violation or an uncaught error. */
  problems: string[];
  /** Adds Chromium's virtual authenticator (CTAP2, resident keys, user verification). */
  addAuthenticator(): Promise<string>;
}

/** `env` may depend on the console's address (e.g. an OpenID provider that needs the redirect URI). */
export async function startConsole(
  envFor: Record<string, string> | ((baseUrl: string) => Promise<Record<string, string>>) = {},
): Promise<ConsoleHarness> {
  await ensureConsoleBuilt();
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const env = typeof envFor === 'function' ? await envFor(baseUrl) : envFor;
  const clock = new FakeClock('2025-03-10T14:00:00.000Z');
  const t = await startTestApp({ clock, env: { PORT: String(port), PUBLIC_URL: baseUrl, ORG_NAME: 'Riverside Community Health', ...env } });
  await t.app.listen(port, '127.0.0.1');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright gives each launch a new, empty --user-data-dir.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const contexts: BrowserContext[] = [];
  return {
    t,
    clock,
    browser,
    baseUrl,
    async person() {
      const context = await browser.newContext({
        baseURL: baseUrl,
        viewport: { width: 1280, height: 860 },
        timezoneId: 'UTC',
        locale: 'en-US',
      });
      contexts.push(context);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (/Content[- ]Security[- ]Policy|Refused to/i.test(m.text())) problems.push(m.text());
        else if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`console error: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      const cdp = await context.newCDPSession(page);
      return {
        context,
        page,
        cdp,
        problems,
        async addAuthenticator() {
          await cdp.send('WebAuthn.enable', { enableUI: false });
          const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
            options: {
              protocol: 'ctap2',
              transport: 'internal',
              hasResidentKey: true,
              hasUserVerification: true,
              isUserVerified: true,
              automaticPresenceSimulation: true,
            },
          });
          return authenticatorId;
        },
      };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await t.close();
    },
  };
}

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core run inside the page (evaluated through the DevTools protocol, which the page's CSP
 * does not govern, so the CSP stays on). Returns the serious and critical violations.
 */
export async function axeViolations(page: Page): Promise<Array<{ id: string; impact: string; help: string; nodes: string[] }>> {
  await page.evaluate(`${AXE};0`);
  const result = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }>;
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}

let printed = false;
/** A full-page screenshot in test-results/console/ (the folder is printed once per file). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (!printed) {
    printed = true;
    process.stdout.write(`console screenshots: ${SCREENSHOT_DIR}\n`);
  }
  return file;
}

/** The newest .eml in the outbox whose To: is this address, and the first link in it. */
export function invitationLinkFromOutbox(dataDir: string, to: string): string {
  const dir = join(dataDir, 'outbox');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    if (new RegExp(`^To: ${to.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\r?$`, 'm').test(text)) {
      const m = /(https?:\/\/\S+\/accept-invitation#\S+)/.exec(text);
      if (m) return m[1]!;
    }
  }
  throw new Error(`no invitation mail to ${to} in ${dir}`);
}

export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      const v = fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Every event of these types in the ledger, in order (small test ledgers: read whole). */
export async function ledgerEvents(
  t: TestApp,
  ...types: string[]
): Promise<Array<{ type: string; stream: string; data: Record<string, unknown>; actor: string }>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { EVENT_STORE } = require('../../src/platform/tokens') as typeof import('../../src/platform/tokens');
  const store = t.app.get<import('../../src/ledger/port').EventStore>(EVENT_STORE);
  const out: Array<{ type: string; stream: string; data: Record<string, unknown>; actor: string }> = [];
  let after = 0n;
  for (;;) {
    const page = await store.readAll({ after, maxCount: 1000 });
    for (const e of page.events)
      if (types.includes(e.type))
        out.push({ type: e.type, stream: e.stream, data: e.data as Record<string, unknown>, actor: e.metadata.actor.id });
    if (page.isEnd || page.events.length === 0) return out;
    after = page.lastPosition;
  }
}

/** Starts the real OpenID provider (test/support/oidc-provider.mjs) on a free port. */
export async function startOidcProvider(
  redirectUri: string,
  users: Record<string, Record<string, unknown>>,
): Promise<{ issuer: string; clientId: string; clientSecret: string; stop(): Promise<void> }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const port = await freePort();
  const child = spawn(process.execPath, [join(__dirname, 'oidc-provider.mjs'), String(port), redirectUri], {
    env: { ...process.env, OIDC_TEST_USERS: JSON.stringify(users), NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`oidc-provider did not start: ${err}`)), 20_000);
    child.stdout!.on('data', (d) => {
      if (String(d).includes('ready')) {
        clearTimeout(timer);
        ok();
      }
    });
    child.once('exit', (code) => fail(new Error(`oidc-provider exited ${code}: ${err}`)));
  });
  return {
    issuer: `http://localhost:${port}`,
    clientId: 'safeharbor-console',
    clientSecret: 'console-test-secret',
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
