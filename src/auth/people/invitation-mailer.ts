import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Clock } from '../../platform/clock';
import type { AppConfig } from '../../platform/config';

export interface InvitationMail {
  /** Idempotency: the same key is delivered once (file name and Message-ID derive from it). */
  key: string;
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends invitation mail through the project's transport: `.eml` files in DATA_DIR/outbox by
 * default, SMTP when MAIL_TRANSPORT=smtp. The Message-ID derives from the key, so a resend after
 * a crash is the same message.
 */
export class InvitationMailer {
  private smtp: Transporter | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  messageId(key: string): string {
    return `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@safeharbor.local>`;
  }

  async send(m: InvitationMail): Promise<string> {
    const messageId = this.messageId(m.key);
    if (this.config.MAIL_TRANSPORT === 'smtp') {
      if (!this.config.SMTP_URL) throw new Error('env.SMTP_URL: required when MAIL_TRANSPORT=smtp');
      this.smtp ??= nodemailer.createTransport(this.config.SMTP_URL);
      await this.smtp.sendMail({
        from: this.config.MAIL_FROM,
        to: m.to,
        subject: m.subject,
        text: m.text,
        messageId,
        date: this.clock.now(),
      });
      return messageId;
    }
    mkdirSync(this.config.outboxDir, { recursive: true });
    const file = join(this.config.outboxDir, `${m.key.replace(/[^A-Za-z0-9._-]/g, '_')}.eml`);
    if (existsSync(file)) return /^Message-ID: (.+)$/m.exec(readFileSync(file, 'utf8'))?.[1]?.trim() ?? messageId;
    const headers = [
      `From: ${this.config.MAIL_FROM}`,
      `To: ${m.to.replace(/[\r\n]/g, '')}`,
      `Subject: ${m.subject.replace(/[\r\n]/g, ' ')}`,
      `Date: ${this.clock.now().toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: ${messageId}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
    ];
    const tmp = `${file}.${process.pid}.tmp`;
    // 0600: the message carries a sign-in link.
    writeFileSync(tmp, `${headers.join('\r\n')}\r\n\r\n${m.text.replace(/\r?\n/g, '\r\n')}\r\n`, { mode: 0o600 });
    renameSync(tmp, file);
    return messageId;
  }

  close(): void {
    this.smtp?.close();
  }
}
