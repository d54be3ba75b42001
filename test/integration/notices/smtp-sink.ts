/** A real SMTP server (smtp-server package) for tests: records every accepted message. */
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  raw: Buffer;
  parsed: ParsedMail;
}

export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  /** Message-IDs this server accepted (answered 250 to end of DATA): the relay's log. */
  readonly acceptedIds = new Set<string>();
  private server!: SMTPServer;
  port = 0;

  async start(): Promise<this> {
    this.server = new SMTPServer({
      secure: false,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      size: 10 * 1024 * 1024,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks);
          const mid = /^Message-ID:\s*(<[^>]+>)/im.exec(raw.toString('latin1'));
          if (mid) this.acceptedIds.add(mid[1]!);
          simpleParser(raw).then((parsed) => {
            this.received.push({
              envelopeFrom: (session.envelope.mailFrom as { address: string }).address,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              raw,
              parsed,
            });
            callback();
          }, callback);
        });
      },
    });
    // A client killed mid-session resets its connection: that is the point of the crash test.
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as { port: number }).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
