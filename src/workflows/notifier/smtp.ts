/**
 * Reminders and escalations over SMTP (MAIL_TRANSPORT=smtp). The Message-ID derives from the
 * timer id, the same as the outbox's, so a re-send after a crash between the SMTP accept and
 * the ReminderSent event reaches mailboxes as the same message (clients thread and dedupe it).
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { Clock } from '../../platform/clock';
import { recipientsOf, type Notification, type Notifier, type RoleDirectory } from '../ports';
import { messageIdFor } from './file-outbox';

export class SmtpNotifier implements Notifier {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly directory: RoleDirectory,
    private readonly clock: Clock,
    private readonly from: string,
  ) {
    this.transport = nodemailer.createTransport(smtpUrl);
  }

  async send(n: Notification): Promise<{ messageId: string }> {
    const to = await recipientsOf(this.directory, n);
    const messageId = messageIdFor(n.idempotencyKey);
    await this.transport.sendMail({
      from: this.from,
      to,
      subject: n.subject,
      text: n.body,
      date: this.clock.now(),
      messageId,
      headers: { 'X-Safeharbor-Timer': n.idempotencyKey, 'X-Safeharbor-Roles': n.to.join(', ') },
    });
    return { messageId };
  }

  close(): void {
    this.transport.close();
  }
}

/** The notifier the configuration asks for: SMTP when MAIL_TRANSPORT=smtp, else the .eml outbox. */
export function notifierFor(
  config: { MAIL_TRANSPORT: 'outbox' | 'smtp'; SMTP_URL?: string; MAIL_FROM: string; outboxDir: string },
  directory: RoleDirectory,
  clock: Clock,
  outbox: () => Notifier,
): Notifier {
  if (config.MAIL_TRANSPORT !== 'smtp') return outbox();
  if (!config.SMTP_URL) throw new Error('env.SMTP_URL: required when MAIL_TRANSPORT=smtp (e.g. smtp://user:pass@mail.example.org:587)');
  return new SmtpNotifier(config.SMTP_URL, directory, clock, config.MAIL_FROM);
}
