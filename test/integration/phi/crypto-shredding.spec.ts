import { join } from 'node:path';
import { canonicalBytes } from '../../../src/shared/canonical-json';
import { Ledger } from '../../../src/ledger/ledger';
import { EventRegistry } from '../../../src/ledger/registry';
import { SqliteEventStore } from '../../../src/ledger/sqlite/sqlite-event-store';
import { DataKeyStore } from '../../../src/phi/data-key-store';
import { MasterKey } from '../../../src/phi/master-key';
import { PhiVault } from '../../../src/phi/phi-vault';
import { FakeClock } from '../../../src/platform/clock';
import { makeTempDir } from '../../support/temp-dir';

describe('crypto-shredding events in the ledger', () => {
  it('shredded events still read (PHI marked shredded) with their stored bytes unchanged', async () => {
    const dir = makeTempDir();
    const clock = new FakeClock();
    const store = new SqliteEventStore({ path: join(dir.path, 'ledger.db'), clock });
    const keys = new DataKeyStore(join(dir.path, 'vault.db'), MasterKey.loadOrCreate(join(dir.path, 'master.key')));
    const vault = new PhiVault(keys, clock);
    const ledger = new Ledger(store, new EventRegistry().registerNames('ContactRecorded'), clock);
    const ctx = { actor: { id: 'u', role: 'incident-responder' }, correlationId: 'c' };
    try {
      await ledger.append(
        'incident-a1',
        [
          {
            type: 'ContactRecorded',
            data: { individualRef: 'r-1', contact: await vault.seal('incident:a1', { name: 'Synthetic Alpha' }) },
          },
        ],
        'no-stream',
        ctx,
      );
      await ledger.append(
        'incident-b2',
        [{ type: 'ContactRecorded', data: { individualRef: 'r-2', contact: await vault.seal('incident:b2', { name: 'Synthetic Beta' }) } }],
        'no-stream',
        ctx,
      );
      const before = (await store.readAll({ after: 0n })).events.map((e) =>
        canonicalBytes({ ...e, version: String(e.version), position: String(e.position) }).toString('hex'),
      );

      await vault.shred('incident:a1');

      const [a] = await ledger.readStream('incident-a1');
      expect(await vault.reveal(a!.data)).toEqual({ individualRef: 'r-1', contact: { $shredded: true, scope: 'incident:a1' } });
      const [b] = await ledger.readStream('incident-b2');
      expect(await vault.reveal(b!.data)).toEqual({ individualRef: 'r-2', contact: { name: 'Synthetic Beta' } });
      const after = (await store.readAll({ after: 0n })).events.map((e) =>
        canonicalBytes({ ...e, version: String(e.version), position: String(e.position) }).toString('hex'),
      );
      expect(after).toEqual(before); // the chain's leaves hash these bytes: shredding changes none
    } finally {
      await keys.close();
      await store.close();
      dir.cleanup();
    }
  });
});
