/**
 * Email notices through nodemailer (its CommonJS build).
 * - `smtp`: pooled SMTP transport (several connections, many messages per connection),
 *   optional DKIM signing, a global rate limit shared by all workers (Redis token bucket).
 * - `outbox` (the default with no configuration): each message written as an .eml file to
 *   ./data/outbox, named by its Message-ID digest, atomically (temp file + rename).
 *
 * Only people who agreed to electronic notice (164.404(d)(1)) are ever emailed: the mailer
 * refuses anyone else itself, whatever the caller planned.
 * The Message-ID is deterministic per batch and letter so the delivery record, the relay's
 * log and the recipient's copy can be matched.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { AffectedIndividual } from '../../incidents';
import type { ComposedEmail } from '../rendering/letters';
import { NoRateLimit, type RateLimiter } from './rate-limiter';

export type MailTransportConfig =
  | { kind: 'outbox'; dir?: string }
  | {
      kind: 'smtp';
      host: string;
      port: number;
      secure?: boolean;
      /** Upgrade with STARTTLS when offered (default true); set requireTLS in production. */
      requireTLS?: boolean;
      ignoreTLS?: boolean;
      auth?: { user: string; pass: string };
      maxConnections?: number;
      maxMessages?: number;
      tls?: { rejectUnauthorized?: boolean };
      dkim?: { domainName: string; keySelector: string; privateKey: string };
    };

export class NoEmailConsentError extends Error {
  constructor() {
    super('recipient has not agreed to electronic notice');
    this.name = 'NoEmailConsentError';
  }
}

export interface SentEmail {
  messageId: string;
  /** SMTP reply to the end of DATA (or the outbox file path). */
  response: string;
  accepted: string[];
  rejected: string[];
}

export function noticeMessageId(batchId: string, letterId: string, fromAddress: string): string {
  const domain = fromAddress.split('@')[1] ?? 'localhost';
  return `<${letterId}.${batchId.replace(/-/g, '').slice(0, 16)}@${domain}>`;
}

export class NoticeMailer {
  private readonly transport: Transporter;
  private readonly outboxDir?: string;

  constructor(
    config: MailTransportConfig,
    /** Default sender; a batch passes its organization's sender per message. */
    private readonly from: { name: string; address: string } | null,
    private readonly limiter: RateLimiter = new NoRateLimit(),
  ) {
    if (config.kind === 'outbox') {
      this.outboxDir = resolve(config.dir ?? join('data', 'outbox'));
      mkdirSync(this.outboxDir, { recursive: true });
      this.transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
    } else {
      this.transport = nodemailer.createTransport({
        pool: true,
        host: config.host,
        port: config.port,
        secure: config.secure ?? false,
        requireTLS: config.requireTLS ?? false,
        ignoreTLS: config.ignoreTLS ?? false,
        maxConnections: config.maxConnections ?? 5,
        maxMessages: config.maxMessages ?? 1000,
        ...(config.auth ? { auth: config.auth } : {}),
        ...(config.tls ? { tls: config.tls } : {}),
        ...(config.dkim ? { dkim: config.dkim } : {}),
        // No PHI in logs: nodemailer's own logger stays off.
        logger: false,
        debug: false,
      });
    }
  }

  async send(
    person: AffectedIndividual,
    mail: ComposedEmail,
    messageId: string,
    headers: Record<string, string> = {},
    from: { name: string; address: string } | null = this.from,
  ): Promise<SentEmail> {
    if (!person.emailConsent || !person.email) throw new NoEmailConsentError();
    if (!from) throw new Error('mail: no sender configured');
    await this.limiter.acquire();
    const info = (await this.transport.sendMail({
      from,
      to: { name: person.name, address: person.email },
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId,
      headers: { 'Auto-Submitted': 'auto-generated', ...headers },
    })) as { messageId: string; response?: string; accepted?: unknown[]; rejected?: unknown[]; message?: Buffer };
    if (this.outboxDir) {
      const name = `${createHash('sha256').update(messageId).digest('hex').slice(0, 32)}.eml`;
      const tmp = join(this.outboxDir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
      writeFileSync(tmp, info.message!, { mode: 0o600 });
      renameSync(tmp, join(this.outboxDir, name));
      return { messageId, response: `outbox ${name}`, accepted: [person.email], rejected: [] };
    }
    return {
      messageId: info.messageId,
      response: String(info.response ?? ''),
      accepted: (info.accepted ?? []).map(String),
      rejected: (info.rejected ?? []).map(String),
    };
  }

  async verify(): Promise<void> {
    if (!this.outboxDir) await this.transport.verify();
  }

  close(): void {
    this.transport.close();
  }
}
