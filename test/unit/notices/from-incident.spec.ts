import { noticeFactsFromIncident } from '../../../src/notices/domain/from-incident';

describe('notice facts from the incident events', () => {
  it('folds reported facts, amendments, revisions, the latest list and the latest counts', () => {
    const id = '01937a4e-8f00-7000-8000-00000000c0de';
    const r = noticeFactsFromIncident(id, [
      {
        type: 'IncidentReported',
        data: {
          incidentId: id,
          title: 't',
          summary: 'A laptop was stolen.',
          discoveredOn: '2025-03-10',
          occurred: { from: '2025-03-01' },
          breachType: 'theft',
          locations: ['laptop'],
          reporter: { kind: 'covered-entity' },
          dataElements: ['name', 'medical'],
          datasetIds: ['ds-billing'],
        },
      },
      { type: 'IncidentDetailsAmended', data: { incidentId: id, summary: 'An unencrypted laptop was stolen from a car.' } },
      { type: 'IncidentFactsRevised', data: { incidentId: id, occurred: { from: '2025-02-27', to: '2025-03-01' } } },
      {
        type: 'AffectedListImported',
        data: {
          incidentId: id,
          listVersion: 1,
          dataElements: ['financial-account'],
          digest: 'a'.repeat(64),
          size: 10,
          counts: { byState: { OH: 5 }, insufficientContact: 1, rows: 5 },
        },
      },
      {
        type: 'AffectedListImported',
        data: {
          incidentId: id,
          listVersion: 2,
          dataElements: ['ssn', 'medical-record-number'],
          digest: 'b'.repeat(64),
          size: 10,
          counts: { byState: { OH: 6 }, insufficientContact: 2, rows: 6 },
        },
      },
      {
        type: 'AffectedCountsRevised',
        data: { incidentId: id, counts: { byState: { OH: 6 }, insufficientContact: 3 }, reason: 'returned-mail' },
      },
    ]);
    expect(r.facts).toEqual({
      incidentId: id,
      // The letter's own field, drafted from the facts: the internal summary never reaches it.
      whatHappened: "A laptop computer holding our patients' health information was stolen.",
      discoveredOn: '2025-03-10',
      breachStartedOn: '2025-02-27',
      breachEndedOn: '2025-03-01',
      breachType: 'theft',
      locations: ['laptop'],
    });
    expect(r.recipientsArtifact).toBe('b'.repeat(64));
    expect(r.counts).toEqual({ byState: { OH: 6 }, insufficientContact: 3 });
    // The incident's kinds of information and the current list's columns (not list 1's).
    expect(r.dataElements).toEqual(['name', 'medical', 'ssn', 'medical-record-number']);
    expect(r.datasetIds).toEqual(['ds-billing']);
  });

  it('knows nothing more than the events say', () => {
    expect(noticeFactsFromIncident('x', [])).toEqual({
      facts: { incidentId: 'x' },
      dataElements: [],
      datasetIds: [],
      unresolvedOpen: 0,
      completedObligations: [],
    });
  });
});
