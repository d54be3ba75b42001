import { createHash } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import { AffectedIdentities, dedupeKeyOf } from '../../../src/incidents/import/identity';
import { ImportWriter, serializeRecord } from '../../../src/incidents/import/import-writer';

const person = (name: string, extra: object = {}) => ({ name, emailConsent: false, deceased: false, insufficientContact: false, ...extra });
const home = { line1: '1 Main St', city: 'Columbus', state: 'OH', zip: '43004-1234' };

describe('affected import: identity and de-duplication', () => {
  it('the same person (case aside, ZIP+4 aside) is one identity; the first line is kept', () => {
    const ids = new AffectedIdentities(Buffer.alloc(32, 1));
    const first = ids.identify(person('Ada Lovelace', { address: home }), 2);
    expect(first).toMatch(/^[0-9a-f]{32}$/);
    expect(ids.identify(person('ADA LOVELACE', { address: { ...home, line1: '1 MAIN ST', zip: '43004' } }), 7)).toBe(2);
    expect(ids.identify(person('Ada Lovelace', { address: { ...home, line2: 'Apt 2' } }), 8)).toMatch(/^[0-9a-f]{32}$/);
  });

  it('rows too thin to tell people apart are each their own person', () => {
    expect(dedupeKeyOf(person('Cy Dee'))).toBeNull();
    const ids = new AffectedIdentities(Buffer.alloc(32, 1));
    const a = ids.identify(person('Cy Dee'), 3);
    const b = ids.identify(person('Cy Dee'), 4);
    expect(typeof a).toBe('string');
    expect(typeof b).toBe('string');
    expect(a).not.toBe(b);
  });

  it('ids depend on the incident key, not only on the person', () => {
    const p = person('Bo Li', { email: 'bo@example.org', emailConsent: true });
    expect(new AffectedIdentities(Buffer.alloc(32, 1)).identify(p, 2)).toBe(new AffectedIdentities(Buffer.alloc(32, 1)).identify(p, 9));
    expect(new AffectedIdentities(Buffer.alloc(32, 1)).identify(p, 2)).not.toBe(new AffectedIdentities(Buffer.alloc(32, 2)).identify(p, 2));
  });
});

describe('affected import: the back-pressured writer', () => {
  it('pauses while the output is over its high-water mark and resumes once it drains; nothing is lost', async () => {
    const written: Buffer[] = [];
    let release: (() => void) | null = null;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        written.push(chunk);
        release = cb; // held until the test lets it through
      },
    });
    let resumed = 0;
    const writer = new ImportWriter(slow, undefined, () => resumed++);
    const lines: string[] = [];
    let n = 0;
    while (!writer.paused) {
      const line = serializeRecord(`id${n}`, person(`Person ${n} ${'x'.repeat(150)}`, { address: home }));
      lines.push(line);
      writer.record(line);
      n++;
    }
    expect(writer.paused).toBe(true);
    // Output leaves in chunks of about 256 KiB: the first one filled the sink.
    expect(written).toHaveLength(1);
    expect(written[0]!.length).toBeGreaterThan(200 * 1024);
    expect(resumed).toBe(0);
    const pump = setInterval(() => {
      const cb = release;
      release = null;
      cb?.();
    }, 1);
    try {
      await new Promise((r) => setTimeout(r, 20));
      expect(resumed).toBe(1);
      expect(writer.paused).toBe(false);
      await writer.finishOutput();
    } finally {
      clearInterval(pump);
    }
    const out = Buffer.concat(written);
    expect(out.toString('utf8')).toBe(lines.map((l) => `${l}\n`).join(''));
    expect(writer.bytes).toBe(out.length);
    expect(writer.digest()).toBe(createHash('sha256').update(out).digest('hex'));
  });

  it('batches issue lines to the report and drops them when there is no report', async () => {
    const report = new PassThrough();
    const got: Buffer[] = [];
    report.on('data', (c: Buffer) => got.push(c));
    const writer = new ImportWriter(new PassThrough().resume(), report, () => undefined);
    for (let i = 0; i < 600; i++) writer.issue({ line: i + 2, kind: 'rejected', column: 'zip', reason: 'not a 5-digit ZIP or ZIP+4' });
    expect(got.length).toBe(1); // the first 512 went out together
    await writer.finishOutput();
    await writer.finishReport();
    const lines = Buffer.concat(got).toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(600);
    expect(JSON.parse(lines[599]!)).toEqual({ line: 601, kind: 'rejected', column: 'zip', reason: 'not a 5-digit ZIP or ZIP+4' });
    const silent = new ImportWriter(new PassThrough().resume(), undefined, () => undefined);
    expect(() => silent.issue({ line: 2, kind: 'rejected', reason: 'x' })).not.toThrow();
  });
});
