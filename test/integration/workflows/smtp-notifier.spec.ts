import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { FakeClock } from '../../../src/platform/clock';
import { StaticRoleDirectory } from '../../../src/workflows/ports';
import { messageIdFor } from '../../../src/workflows/notifier/file-outbox';
import { notifierFor, SmtpNotifier } from '../../../src/workflows/notifier/smtp';

describe('reminders over SMTP (MAIL_TRANSPORT=smtp)', () => {
  it('delivers a reminder to the role mailboxes with the timer-derived Message-ID', async () => {
    const received: Array<{ rcpt: string[]; raw: string }> = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, cb) {
        let raw = '';
        stream.on('data', (d) => (raw += d));
        stream.on('end', () => {
          received.push({ rcpt: session.envelope.rcptTo.map((r) => r.address), raw });
          cb();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.server.address() as AddressInfo).port;
    const directory = new StaticRoleDirectory({ 'compliance-officer': ['co@example.test', 'deputy@example.test'] });
    const notifier = notifierFor(
      { MAIL_TRANSPORT: 'smtp', SMTP_URL: `smtp://127.0.0.1:${port}?ignoreTLS=true`, MAIL_FROM: 'Safe Harbor <sh@example.test>', outboxDir: '/nonexistent' },
      directory,
      new FakeClock('2025-04-09T13:00:00.000Z'),
      () => {
        throw new Error('the outbox must not be used when MAIL_TRANSPORT=smtp');
      },
    ) as SmtpNotifier;
    try {
      const key = 'breach-notification:inc-1.hhs-notice:2025-05-09:reminder-30d';
      const r = await notifier.send({
        idempotencyKey: key,
        to: ['compliance-officer'],
        principals: [],
        subject: 'Reminder: HHS notice due 2025-05-09 (30 days left)',
        body: 'The HHS notice for incident inc-1 is due on 2025-05-09.',
        timer: { workflow: 'breach-notification', workflowVersion: 1, subjectKind: 'obligation', subjectId: 'inc-1.hhs-notice', dueOn: '2025-05-09', step: 'reminder-30d', kind: 'reminder', daysLeft: 30 },
      } as never);
      expect(r.messageId).toBe(messageIdFor(key));
      expect(received).toHaveLength(1);
      expect(received[0]!.rcpt.sort()).toEqual(['co@example.test', 'deputy@example.test']);
      const mail = await simpleParser(received[0]!.raw);
      expect(mail.messageId).toBe(messageIdFor(key));
      expect(mail.subject).toBe('Reminder: HHS notice due 2025-05-09 (30 days left)');
      expect(mail.headers.get('x-safeharbor-timer')).toBe(key);
      expect(mail.text).toContain('due on 2025-05-09');
    } finally {
      notifier.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('refuses MAIL_TRANSPORT=smtp without SMTP_URL, naming the variable', () => {
    expect(() => notifierFor({ MAIL_TRANSPORT: 'smtp', MAIL_FROM: 'x@y', outboxDir: '/tmp' }, new StaticRoleDirectory(), new FakeClock(), () => ({}) as never)).toThrow(/SMTP_URL/);
  });
});
