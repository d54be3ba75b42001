import type { Redis } from 'ioredis';
import type { ChunkWorkerConfig } from '../jobs/chunk-worker-config';
import { NoticeMailer, type MailTransportConfig } from './mailer';
import { NoRateLimit, RedisTokenBucket } from './rate-limiter';

/** smtp://user:pass@host:port or smtps://… → transport settings. */
export function smtpFromUrl(url: string, maxConnections?: number): MailTransportConfig {
  const u = new URL(url);
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new Error('SMTP_URL: expected smtp:// or smtps://');
  const secure = u.protocol === 'smtps:';
  return {
    kind: 'smtp',
    host: u.hostname,
    port: Number(u.port || (secure ? 465 : 587)),
    secure,
    ignoreTLS: u.searchParams.get('ignoreTLS') === 'true',
    requireTLS: u.searchParams.get('requireTLS') === 'true',
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
    ...(maxConnections ? { maxConnections } : {}),
  };
}

/** The per-worker mailer. The sender identity comes per message from the batch's organization. */
export function mailerFromConfig(c: ChunkWorkerConfig, redis: Redis | null): NoticeMailer {
  const transport: MailTransportConfig =
    c.mail.kind === 'outbox' ? { kind: 'outbox', dir: c.mail.dir } : smtpFromUrl(c.mail.url, c.mail.maxConnections);
  const limiter =
    redis && c.emailRatePerSecond > 0
      ? new RedisTokenBucket(redis, `${c.redisPrefix}:notices:email-rate`, c.emailRatePerSecond)
      : new NoRateLimit();
  return new NoticeMailer(transport, null, limiter);
}
