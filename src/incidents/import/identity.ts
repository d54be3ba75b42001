/**
 * Who a row is: the same person listed twice is merged into the first row, and every person gets
 * an id keyed by the incident's secret (SipHash-2-4-128), so ids are not derivable from PHI and
 * are shredded with the incident's data key. The duplicate index keeps 8 bytes of a keyed hash
 * and a line number per person: memory stays bounded for a million rows.
 */
import { createHmac } from 'node:crypto';
import type { AffectedIndividual } from '../domain/affected-individual';
import { Hash64Map } from './hash-set';
import { SipHash128 } from '../../shared/siphash';

/** Identity used for merging duplicates, or null when the row carries too little to tell people apart. */
export function dedupeKeyOf(r: Omit<AffectedIndividual, 'id'>): string | null {
  const n = r.name.toLowerCase();
  if (r.address)
    return `a\u0000${n}\u0000${r.address.line1.toLowerCase()}\u0000${(r.address.line2 ?? '').toLowerCase()}\u0000${r.address.zip.slice(0, 5)}`;
  if (r.email) return `e\u0000${n}\u0000${r.email.toLowerCase()}`;
  if (r.nextOfKin)
    return `k\u0000${n}\u0000${r.nextOfKin.name.toLowerCase()}\u0000${r.nextOfKin.address.line1.toLowerCase()}\u0000${r.nextOfKin.address.zip.slice(0, 5)}`;
  return null;
}

export class AffectedIdentities {
  private readonly sip: SipHash128;
  private readonly seen = new Hash64Map(1 << 19);

  constructor(idKey: Buffer) {
    // A subkey of the incident's id key, for this use only.
    this.sip = new SipHash128(createHmac('sha256', idKey).update('affected-import/siphash-2-4-128').digest().subarray(0, 16));
  }

  /**
   * The id of the person on `line`, or the line of the earlier row for the same person (a
   * number: the row is a duplicate). Rows too thin to tell people apart are each their own
   * person (never undercount).
   */
  identify(record: Omit<AffectedIndividual, 'id'>, line: number): string | number {
    const key = dedupeKeyOf(record);
    if (key === null) {
      this.sip.hashUtf8(`r\u0000${line}\u0000${record.name}`);
      return this.sip.hex();
    }
    const h = this.sip.hashUtf8(key);
    const first = this.seen.putIfAbsent(h[0], h[1], line);
    return first !== -1 ? first : this.sip.hex();
  }
}
