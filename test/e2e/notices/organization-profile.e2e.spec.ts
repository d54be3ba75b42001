/**
 * The organization profile kept as events: admins edit it over HTTP (validated by the letter
 * schema, field named), each change is one OrganizationProfileUpdated with the fields that
 * changed, an unchanged profile records nothing, a stale If-Match is a conflict; a notice drafted
 * without an organization uses it.
 */
import { asAsync } from '../../../src/notices/delivery/chunk-runner';
import type { ArtifactStore } from '../../../src/phi/artifact-store';
import { FakeClock } from '../../../src/platform/clock';
import { ARTIFACT_STORE } from '../../../src/platform/tokens';
import { ledgerEvents } from '../../support/console-browser';
import { startTestApp, type TestApp } from '../../support/test-app';
import { syntheticPerson, testFacts, testOrg } from '../../unit/notices/fixtures';

describe('organization profile over HTTP', () => {
  let t: TestApp;
  let officer: { id: string; apiKey: string };
  let auditor: { id: string; apiKey: string };
  const admin = () => ({ Authorization: `Bearer ${t.adminKey}` });
  const as = (who: { apiKey: string }) => ({ Authorization: `Bearer ${who.apiKey}` });
  const roleContacts = { 'compliance-officer': 'privacy@riverside.example', 'security-officer': 'security@riverside.example' };

  beforeAll(async () => {
    t = await startTestApp({ clock: new FakeClock('2025-03-10T14:00:00.000Z') });
    officer = await t.principal('compliance-officer');
    auditor = await t.principal('auditor');
  });
  afterAll(async () => t?.close());

  it('starts empty; only admins write; a bad field is a 400 naming it', async () => {
    const empty = await t.http().get('/v1/organization/profile').set(as(auditor));
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ source: 'none', profile: null, history: [] });
    expect((await t.http().put('/v1/organization/profile').set(as(officer)).send({ profile: testOrg(), roleContacts })).status).toBe(403);
    const bad = await t
      .http()
      .put('/v1/organization/profile')
      .set(admin())
      .send({ profile: { ...testOrg(), contact: { ...testOrg().contact, tollFreeNumber: '614-555-0100' } }, roleContacts });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'profile.contact.tollFreeNumber' })]);
    const badRole = await t
      .http()
      .put('/v1/organization/profile')
      .set(admin())
      .send({ profile: testOrg(), roleContacts: { auditor: 'not-an-email' } });
    expect(badRole.status).toBe(400);
    expect(JSON.stringify(badRole.body)).toContain('roleContacts.auditor');
    expect(await ledgerEvents(t, 'OrganizationProfileUpdated')).toEqual([]);
  });

  it('records each change as an event with the fields that changed; no change, no event; stale If-Match is 409', async () => {
    const first = await t.http().put('/v1/organization/profile').set(admin()).send({ profile: testOrg(), roleContacts });
    expect(first.status).toBe(200);
    expect(first.headers.etag).toBe('"1"');
    expect(first.body).toMatchObject({
      source: 'ledger',
      profile: { name: testOrg().name },
      roleContacts,
      updatedAt: '2025-03-10T14:00:00.000Z',
    });
    expect(first.body.history).toEqual([
      expect.objectContaining({ version: 1, changed: expect.arrayContaining(['name', 'contact', 'roleContacts']) }),
    ]);

    const same = await t.http().put('/v1/organization/profile').set(admin()).send({ profile: testOrg(), roleContacts });
    expect(same.body.history).toHaveLength(1);

    const changed = {
      ...testOrg(),
      contact: { ...testOrg().contact, tollFreeNumber: '1-877-555-0199' },
      letterhead: { lines: ['Privacy Office'] },
    };
    const stale = await t
      .http()
      .put('/v1/organization/profile')
      .set(admin())
      .set('If-Match', '"0"')
      .send({ profile: changed, roleContacts });
    expect(stale.status).toBe(409);
    const second = await t
      .http()
      .put('/v1/organization/profile')
      .set(admin())
      .set('If-Match', '"1"')
      .send({ profile: changed, roleContacts });
    expect(second.status).toBe(200);
    expect(second.body.history.at(-1)).toMatchObject({ version: 2, changed: ['contact', 'letterhead'] });
    const events = await ledgerEvents(t, 'OrganizationProfileUpdated');
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ stream: 'organization-profile', data: { changed: ['contact', 'letterhead'] } });
    expect((await t.http().get('/v1/organization/profile').set(as(auditor))).body.profile.contact.tollFreeNumber).toBe('1-877-555-0199');
  });

  it('a notice drafted without an organization uses the profile', async () => {
    const facts = testFacts();
    const recipients = await t.app
      .get<ArtifactStore>(ARTIFACT_STORE)
      .write(`incident:${facts.incidentId}`, asAsync([0, 1].map((i) => `${JSON.stringify(syntheticPerson(i))}\n`)));
    const draft = await t
      .http()
      .post('/v1/notices/batches')
      .set(as(officer))
      .send({ incidentId: facts.incidentId, kind: 'individual', letterDate: '2025-04-01', facts, recipientsArtifact: recipients.digest });
    expect(draft.status).toBe(201);
    await t.http().post(`/v1/notices/batches/${draft.body.batchId}/preview`).set(as(officer)).send().expect(200);
    const sample = await t.http().get(`/v1/notices/batches/${draft.body.batchId}/samples/0`).set(as(officer));
    expect(sample.status).toBe(200);
  });
});
