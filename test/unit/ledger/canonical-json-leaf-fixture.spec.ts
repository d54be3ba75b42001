/**
 * The ledger's leaf encoding is frozen: every stored ledger and every signed checkpoint depends
 * on these exact bytes. The fixture was written by the encoder as it stood before canonical JSON
 * moved to src/shared; any change to canonical JSON that alters a leaf fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalLeaf, eventLeafHash, leafBytes } from '../../../src/ledger/integrity/hashing';
import { appendLeaves, EMPTY_TREE, rootOf } from '../../../src/ledger/integrity/merkle';
import type { RecordedEvent } from '../../../src/ledger/port';

interface FixtureEvent extends Omit<RecordedEvent, 'version' | 'position'> {
  version: string;
  position: string;
  leafText: string;
  leafHash: string;
}
const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/ledger/leaf-hashes.v1.json'), 'utf8')) as {
  events: FixtureEvent[];
  root: string;
};
const events = fixture.events.map(({ leafText, leafHash, ...e }) => ({
  event: { ...e, version: BigInt(e.version), position: BigInt(e.position) } as RecordedEvent,
  leafText,
  leafHash,
}));

describe('leaf encoding against the stored fixture', () => {
  it.each(events.map((x) => [x.event.type, x] as const))('%s: same canonical bytes and leaf hash as when pinned', (_type, x) => {
    expect(leafBytes(x.event).toString('utf8')).toBe(x.leafText);
    expect(eventLeafHash(x.event).toString('hex')).toBe(x.leafHash);
    // The append path (column texts spliced) gives the same leaf.
    expect(canonicalLeaf(x.event).leaf.toString('hex')).toBe(x.leafHash);
  });

  it('the Merkle root over the fixture is unchanged', () => {
    const leaves = events.map((x) => eventLeafHash(x.event));
    expect(rootOf(appendLeaves(EMPTY_TREE, leaves).state).toString('hex')).toBe(fixture.root);
  });
});
