import Database from 'better-sqlite3';
import type { Request } from 'express';
import { batchIncidentFrom } from '../../../src/app/free-text-screen';
import { incidentOfRequest } from '../../../src/app/incident-of-request';

const INC = '0190a0b0-0000-7000-8000-000000000001';
const BATCH = '0190a0b0-0000-7000-8000-0000000000b1';

const req = (path: string, params: Record<string, string>, body: unknown = {}) =>
  ({ route: { path }, params, body }) as unknown as Request & { route?: { path?: string } };

describe('incidentOfRequest: which incident a write names (its names are screened)', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE notice_batches (batch_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL)');
  db.prepare('INSERT INTO notice_batches VALUES (?, ?)').run(BATCH, INC);
  const lookup = batchIncidentFrom(db);
  afterAll(() => db.close());

  it('finds it in incident routes, notice-batch routes, a body incidentId and an incident sourceRef', () => {
    expect(incidentOfRequest(req('/v1/incidents/:id', { id: INC }), lookup)).toBe(INC);
    expect(incidentOfRequest(req('/v1/incidents/:id/obligations/:obligationId/waiver', { id: INC, obligationId: 'x' }), lookup)).toBe(INC);
    expect(incidentOfRequest(req('/v1/notices/batches/:id/cancel', { id: BATCH }), lookup)).toBe(INC);
    expect(incidentOfRequest(req('/v1/notices/batches', {}, { incidentId: INC }), lookup)).toBe(INC);
    expect(incidentOfRequest(req('/v1/risk/candidates', {}, { sourceRef: { kind: 'incident', id: INC } }), lookup)).toBe(INC);
  });

  it('is null for writes that name no incident, and for an unknown batch', () => {
    expect(incidentOfRequest(req('/v1/incidents', {}), lookup)).toBeNull();
    expect(incidentOfRequest(req('/v1/keys/:id/suspend', { id: INC }), lookup)).toBeNull();
    expect(incidentOfRequest(req('/v1/risk/candidates', {}, { sourceRef: { kind: 'agent', id: 'a1' } }), lookup)).toBeNull();
    expect(incidentOfRequest(req('/v1/notices/batches/:id/cancel', { id: 'nope' }), lookup)).toBeNull();
    expect(batchIncidentFrom(new Database(':memory:'))('x')).toBeNull(); // no table yet
  });
});
