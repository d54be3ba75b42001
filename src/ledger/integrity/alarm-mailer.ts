/**
 * The tamper alarm's own mail path, independent of the ledger and the job queue (either may be
 * what is broken): SMTP when MAIL_TRANSPORT=smtp, else an .eml file in the outbox folder.
 * nodemailer is loaded on first use, so processes that never alarm never load it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AlarmMailer } from './tamper-alarm';

export function alarmMailer(config: {
  MAIL_TRANSPORT: 'outbox' | 'smtp';
  SMTP_URL?: string;
  MAIL_FROM: string;
  outboxDir: string;
}): AlarmMailer {
  return {
    async send(to, subject, text) {
      const nodemailer = (await import('nodemailer')).default;
      if (config.MAIL_TRANSPORT === 'smtp') {
        if (!config.SMTP_URL) throw new Error('env.SMTP_URL: required when MAIL_TRANSPORT=smtp');
        const t = nodemailer.createTransport(config.SMTP_URL);
        try {
          await t.sendMail({ from: config.MAIL_FROM, to, subject, text, headers: { 'X-Safeharbor-Alert': 'ledger-tamper' } });
        } finally {
          t.close();
        }
        return;
      }
      const t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
      const info = await t.sendMail({ from: config.MAIL_FROM, to, subject, text, headers: { 'X-Safeharbor-Alert': 'ledger-tamper' } });
      fs.mkdirSync(config.outboxDir, { recursive: true });
      const file = path.join(config.outboxDir, `ledger-tamper-${Date.now()}-${process.pid}.eml`);
      fs.writeFileSync(file, info.message as Buffer, { mode: 0o600 });
    },
  };
}
