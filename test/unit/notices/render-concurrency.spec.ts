import { defaultRenderConcurrency, loadNoticesSettings } from '../../../src/notices/notices.settings';
import type { AppConfig } from '../../../src/platform/config';

describe('notices worker defaults', () => {
  const config = { MAIL_TRANSPORT: 'outbox', outboxDir: '/tmp/outbox', dataDir: '/tmp/data' } as unknown as AppConfig;

  it('renders with one sandboxed process per core unless told otherwise', () => {
    expect(defaultRenderConcurrency(2)).toBe(2);
    expect(defaultRenderConcurrency(1)).toBe(1);
    expect(defaultRenderConcurrency(128)).toBe(64);
    expect(loadNoticesSettings(config, { NOTICES_WORKER_CONCURRENCY: '3' }).workerConcurrency).toBe(3);
  });

  it('leaves one core to the api on three cores or more when the process serves it too, never on two', () => {
    expect(defaultRenderConcurrency(2, true)).toBe(2);
    expect(defaultRenderConcurrency(1, true)).toBe(1);
    expect(defaultRenderConcurrency(3, true)).toBe(2);
    expect(defaultRenderConcurrency(8, true)).toBe(7);
    expect(defaultRenderConcurrency(8, false)).toBe(8);
    expect(loadNoticesSettings(config, { NOTICES_WORKER_CONCURRENCY: '5' }, { withApi: true }).workerConcurrency).toBe(5);
  });

  it('never rate-limits email written to the outbox folder; SMTP keeps the configured rate', () => {
    expect(loadNoticesSettings(config, { NOTICES_EMAIL_RATE: '50' }).chunk.emailRatePerSecond).toBe(0);
    const smtp = { ...config, MAIL_TRANSPORT: 'smtp', SMTP_URL: 'smtp://127.0.0.1:2525' } as unknown as AppConfig;
    expect(loadNoticesSettings(smtp, { NOTICES_EMAIL_RATE: '50' }).chunk.emailRatePerSecond).toBe(50);
  });
});
