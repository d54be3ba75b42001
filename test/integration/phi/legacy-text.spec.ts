/**
 * Free text written in clear before sealing (issue 14, item 7): marked on read so every reader
 * treats it as sealed, opened for readers of PHI, hidden once its scope is shredded, sealed when
 * copied into a new event, and counted per field without the values.
 */
import { join } from 'node:path';
import { FREE_TEXT_FIELDS } from '../../../src/app/free-text-fields';
import { EventRegistry } from '../../../src/ledger/registry';
import { DataKeyStore } from '../../../src/phi/data-key-store';
import { FreeTextSealer, openFreeText } from '../../../src/phi/free-text-sealer';
import { clearFreeTextFields, markLegacyText } from '../../../src/phi/legacy-text';
import { MasterKey } from '../../../src/phi/master-key';
import { isLegacyText, LEGACY_TEXT, PhiVault } from '../../../src/phi/phi-vault';
import { FakeClock } from '../../../src/platform/clock';
import { makeTempDir } from '../../support/temp-dir';

const TEXT = 'Typed before sealing existed';

describe('legacy clear free text', () => {
  const dir = makeTempDir('safeharbor-legacy-');
  const clock = new FakeClock('2025-03-10T14:00:00.000Z');
  const keys = new DataKeyStore(join(dir.path, 'vault.db'), MasterKey.loadOrCreate(join(dir.path, 'master.key')));
  const vault = new PhiVault(keys, clock);
  afterAll(async () => {
    await keys.close();
    dir.cleanup();
  });

  it('marks clear text at declared paths only, under the event scope, and leaves sealed and empty values alone', async () => {
    const sealed = await vault.seal('incident:i-1', 'already sealed');
    const data = {
      incidentId: 'i-1',
      factors: { mitigation: { risk: 'low', rationale: TEXT }, acquiredOrViewed: { risk: 'high', rationale: sealed } },
    };
    const marked = markLegacyText(FREE_TEXT_FIELDS, 'incident-i-1', 'RiskAssessmentRecorded', data) as typeof data;
    expect(isLegacyText(marked.factors.mitigation.rationale)).toBe(true);
    expect(marked.factors.mitigation.rationale).toMatchObject({ $phi: 1, scope: 'incident:i-1' });
    expect(JSON.stringify(marked)).not.toContain(TEXT);
    expect(marked.factors.acquiredOrViewed.rationale).toBe(sealed);
    expect(marked.factors.mitigation.risk).toBe('low');
    expect(data.factors.mitigation.rationale).toBe(TEXT); // the input is not mutated
    const untouched = { incidentId: 'i-1', summary: '' };
    expect(markLegacyText(FREE_TEXT_FIELDS, 'incident-i-1', 'IncidentReported', untouched)).toBe(untouched);
    expect(markLegacyText(FREE_TEXT_FIELDS, 'x-1', 'NotFreeText', { title: TEXT })).toEqual({ title: TEXT });
  });

  it('the registry marks on read: PHI readers open it, others see the legacy marker, shredding hides it', async () => {
    const registry = new EventRegistry()
      .registerNames('IncidentReported')
      .transformOnRead((stream, type, data) => markLegacyText(FREE_TEXT_FIELDS, stream, type, data));
    const read = registry.upcast({ stream: 'incident-i-2', type: 'IncidentReported', schemaVersion: 1, data: { title: TEXT } });
    const opened: string[] = [];
    expect(await openFreeText(vault, read.data, true, (scope, path) => opened.push(`${scope} ${path}`))).toEqual({ title: TEXT });
    expect(opened).toEqual(['incident:i-2 title']);
    expect(await openFreeText(vault, read.data, false)).toEqual({ title: LEGACY_TEXT });
    expect(await openFreeText(vault, JSON.stringify(read.data.title), false)).toBe(LEGACY_TEXT); // a read-model cell
    await vault.seal('incident:i-2', 'make the key');
    await vault.shred('incident:i-2');
    expect(await openFreeText(vault, read.data, true)).toEqual({ title: '[shredded free text]' });
  });

  it('a legacy value copied into a new event is sealed on that append, not copied in clear', async () => {
    const sealer = new FreeTextSealer(vault, FREE_TEXT_FIELDS);
    const legacy = markLegacyText(FREE_TEXT_FIELDS, 'risk-assessment-a1', 'RiskAssetRegistered', { assetId: 'a1', name: TEXT });
    const out = await sealer.seal('risk-assessment-a2', 'RiskAssetRegistered', { ...legacy, assetId: 'a2' });
    expect(isLegacyText(out.name)).toBe(false);
    expect(out.name).toMatchObject({ $phi: 1, scope: 'text:risk-assessment-a2' });
    expect(await vault.open(out.name as never)).toBe(TEXT);
  });

  it('counts clear values per declared field, never returning them', () => {
    const counts = clearFreeTextFields(FREE_TEXT_FIELDS, 'RiskAssessmentRecorded', {
      factors: { a: { rationale: TEXT }, b: { rationale: TEXT }, c: { rationale: { $phi: 1 } } },
    });
    expect([...counts]).toEqual([['factors.*.rationale', 2]]);
    expect(clearFreeTextFields(FREE_TEXT_FIELDS, 'KeyGenerated', { name: { $phi: 1 } }).size).toBe(0);
  });
});
