/**
 * The import's output side: records serialized as NDJSON in the shared AffectedIndividual key
 * order, written in 256 KiB chunks (hashed as they go), and issue lines batched to the report.
 * Back-pressure: while either sink is over its high-water mark `paused` is true, and `resume`
 * is called once both have drained, so the reader stops pulling rows meanwhile.
 */
import { createHash } from 'node:crypto';
import type { Writable } from 'node:stream';
import type { AffectedIndividual, PostalAddress } from '../domain/affected-individual';

const q = JSON.stringify;

function addressJson(a: PostalAddress): string {
  return `{"line1":${q(a.line1)},${a.line2 !== undefined ? `"line2":${q(a.line2)},` : ''}"city":${q(a.city)},"state":"${a.state}","zip":"${a.zip}"}`;
}

/**
 * One NDJSON line in the shared AffectedIndividual key order, built directly (equal to
 * JSON.stringify of the record, which a test checks) to keep a million rows cheap.
 */
export function serializeRecord(id: string, r: Omit<AffectedIndividual, 'id'>): string {
  let s = `{"id":"${id}","name":${q(r.name)}`;
  if (r.address) s += `,"address":${addressJson(r.address)}`;
  if (r.email !== undefined) s += `,"email":${q(r.email)}`;
  s += `,"emailConsent":${r.emailConsent},"deceased":${r.deceased}`;
  if (r.language !== undefined) s += `,"language":${q(r.language)}`;
  if (r.nextOfKin) s += `,"nextOfKin":{"name":${q(r.nextOfKin.name)},"address":${addressJson(r.nextOfKin.address)}}`;
  return `${s},"insufficientContact":${r.insufficientContact}}`;
}

const OUT_CHUNK = 256 * 1024;
const REPORT_BATCH = 512;

export class ImportWriter {
  private readonly hash = createHash('sha256');
  private outBuf = Buffer.allocUnsafeSlow(OUT_CHUNK);
  private outPos = 0;
  private readonly reportLines: string[] = [];
  private drains = 0;
  /** Bytes of NDJSON written. */
  bytes = 0;

  constructor(
    private readonly output: Writable,
    private readonly report: Writable | undefined,
    private readonly resume: () => void,
  ) {}

  /** A sink is over its high-water mark: read no more rows until `resume` is called. */
  get paused(): boolean {
    return this.drains > 0;
  }

  /** Appends one NDJSON line, encoding straight into the output chunk (no intermediate join). */
  record(line: string): void {
    if (this.outPos + line.length * 3 + 1 > this.outBuf.length) {
      this.pushOut();
      if (line.length * 3 + 1 > this.outBuf.length) this.outBuf = Buffer.allocUnsafeSlow(line.length * 3 + 1);
    }
    this.outPos += this.outBuf.write(line, this.outPos, 'utf8');
    this.outBuf[this.outPos++] = 10;
  }

  /** One issue line (PHI-free: line, kind, column, reason); dropped when there is no report sink. */
  issue(issue: object): void {
    if (!this.report) return;
    this.reportLines.push(JSON.stringify(issue));
    if (this.reportLines.length >= REPORT_BATCH) this.flushReport();
  }

  /** Writes what is buffered, ends the output and waits until it has flushed. */
  async finishOutput(): Promise<void> {
    this.pushOut();
    this.flushReport();
    this.output.end();
    if (this.output.writableFinished) return;
    await new Promise<void>((res, rej) => {
      this.output.once('finish', () => res());
      this.output.once('error', rej);
    });
  }

  async finishReport(): Promise<void> {
    const report = this.report;
    if (report) await new Promise<void>((res, rej) => report.end((err?: Error | null) => (err ? rej(err) : res())));
  }

  /** SHA-256 of the NDJSON written, hex (call once, after finishOutput). */
  digest(): string {
    return this.hash.digest('hex');
  }

  private writeTo(w: Writable, chunk: Buffer | string): void {
    if (w.write(chunk)) return;
    this.drains++;
    w.once('drain', () => {
      this.drains--;
      if (this.drains === 0) this.resume();
    });
  }

  private flushReport(): void {
    if (!this.report || this.reportLines.length === 0) return;
    const chunk = this.reportLines.join('\n') + '\n';
    this.reportLines.length = 0;
    this.writeTo(this.report, chunk);
  }

  private pushOut(): void {
    if (this.outPos === 0) return;
    const buf = this.outBuf.subarray(0, this.outPos);
    this.outBuf = Buffer.allocUnsafeSlow(OUT_CHUNK);
    this.outPos = 0;
    this.hash.update(buf);
    this.bytes += buf.length;
    this.writeTo(this.output, buf);
  }
}
