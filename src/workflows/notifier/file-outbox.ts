/**
 * The default notifier: each message written as an RFC 5322 .eml file to an outbox folder
 * (./data/outbox). Idempotent by key: the file name and Message-ID derive from the timer id,
 * and a message already in the outbox is not written again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../platform/clock';
import { recipientsOf, type Notification, type Notifier, type RoleDirectory } from '../ports';

export function messageIdFor(idempotencyKey: string, domain = 'safeharbor.local'): string {
  return `<${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
}

function encodeHeader(v: string): string {
  // RFC 2047 for non-ASCII; header values are single lines.
  const oneLine = v.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(oneLine) ? oneLine : `=?UTF-8?B?${Buffer.from(oneLine, 'utf8').toString('base64')}?=`;
}

export class FileOutboxNotifier implements Notifier {
  constructor(
    private readonly dir: string,
    private readonly directory: RoleDirectory,
    private readonly clock: Clock,
    private readonly from = 'Safe Harbor <no-reply@safeharbor.invalid>',
  ) {}

  fileFor(idempotencyKey: string): string {
    return join(this.dir, `${idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '_')}.eml`);
  }

  async send(n: Notification): Promise<{ messageId: string }> {
    mkdirSync(this.dir, { recursive: true });
    const messageId = messageIdFor(n.idempotencyKey);
    const file = this.fileFor(n.idempotencyKey);
    if (existsSync(file)) {
      const m = /^Message-ID: (.+)$/m.exec(readFileSync(file, 'utf8'));
      return { messageId: m ? m[1].trim() : messageId };
    }
    const to = await recipientsOf(this.directory, n);
    const headers = [
      `From: ${this.from}`,
      `To: ${to.join(', ')}`,
      `Subject: ${encodeHeader(n.subject)}`,
      `Date: ${this.clock.now().toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: ${messageId}`,
      `X-Safeharbor-Timer: ${n.idempotencyKey}`,
      `X-Safeharbor-Roles: ${n.to.join(', ')}`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
    ];
    const body = n.body.replace(/\r?\n/g, '\r\n');
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${headers.join('\r\n')}\r\n\r\n${body}\r\n`, { mode: 0o640 });
    renameSync(tmp, file);
    return { messageId };
  }
}
