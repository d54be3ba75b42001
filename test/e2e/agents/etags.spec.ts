/**
 * Optimistic concurrency on every write route of keys, datasets, access and agents: each
 * answers with an ETag (its aggregate's stream version); a stale If-Match is a 409
 * problem+json and writes nothing; the current one goes through. The two sweep routes act on
 * many grants and refuse If-Match outright (400 naming the header).
 */
import { generateSealKeyPair, generateSigningKeyPair, keyIdOf, privateKeyFromPem, signApproval } from '../../../src/shared/agent-protocol';
import { FakeClock } from '../../../src/platform/clock';
import { startTestApp, type TestApp } from '../../support/test-app';

const STALE = '"999"';

describe('ETag and If-Match on the keys, datasets, access and agents routes', () => {
  let t: TestApp;
  const clock = new FakeClock('2026-03-02T15:00:00.000Z');
  let a: { id: string; apiKey: string };
  let b: { id: string; apiKey: string };
  let c: { id: string; apiKey: string };
  let comp: { id: string; apiKey: string };
  const auth = (who: { apiKey: string }) => `Bearer ${who.apiKey}`;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    [a, b, c, comp] = [
      await t.principal('security-officer'),
      await t.principal('security-officer'),
      await t.principal('security-officer'),
      await t.principal('compliance-officer'),
    ];
  }, 60_000);
  afterAll(async () => t?.close());

  /** The ETag a GET of the resource answers now (null while it does not exist). */
  const etagAt = (path: string) => async (): Promise<string | null> => {
    const r = await t.http().get(path).set('Authorization', auth(a));
    if (r.status === 404) return null;
    expect(r.status).toBe(200);
    return r.headers.etag as string;
  };

  /**
   * POSTs `body` to `path` as `who` twice: with a stale If-Match (409 version-conflict, and the
   * resource's ETag unchanged: nothing written), then with the current ETag (or none for a
   * create). Returns the second response, whose ETag must be a stream version.
   */
  async function guarded(who: { apiKey: string }, path: string, body: object, current: () => Promise<string | null>, status: number) {
    const before = await current();
    const stale = await t.http().post(path).set('Authorization', auth(who)).set('If-Match', STALE).send(body);
    expect([path, stale.status]).toEqual([path, 409]);
    expect(stale.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(stale.body).toMatchObject({ type: 'urn:safeharbor:problem:version-conflict', status: 409 });
    expect(await current()).toBe(before);
    const req = t.http().post(path).set('Authorization', auth(who));
    if (before) req.set('If-Match', before);
    const ok = await req.send(body);
    expect([path, ok.status, ok.body]).toMatchObject([path, status, expect.anything()]);
    expect(ok.headers.etag).toMatch(/^"\d+"$/);
    return ok;
  }

  /** A write that moves the resource: the answer's ETag is what a GET says afterwards, and it moved. */
  async function moves(who: { apiKey: string }, path: string, body: object, current: () => Promise<string | null>, status = 200) {
    const before = await current();
    const ok = await guarded(who, path, body, current, status);
    expect(ok.headers.etag).not.toBe(before);
    expect(await current()).toBe(ok.headers.etag);
    return ok;
  }

  const agentKeys = generateSigningKeyPair();
  const agent = etagAt('/v1/agents/host-et');

  it('agents: token, enrollment, approval, scan, command approvals, revocation', async () => {
    const tok = await moves(a, '/v1/agents/tokens', { agentId: 'host-et' }, agent, 201);
    expect(tok.headers.etag).toBe('"1"');
    const enroll = {
      token: tok.body.token,
      agentId: 'host-et',
      publicKey: agentKeys.publicKey,
      sealPublicKey: generateSealKeyPair().publicKey,
      hostFacts: { hostname: 'et' },
    };
    // The stale attempt did not use up the single-use token: the current one enrolls with it.
    await moves(a, '/v1/agents/enrollments', enroll, agent, 201);
    await moves(b, '/v1/agents/host-et/approve', {}, agent);
    await moves(a, '/v1/agents/host-et/scan', { paths: ['/srv/phi/et'] }, agent, 201);
  });

  const key = (id: string) => etagAt(`/v1/keys/${id}`);

  it('keys: create, every transition, custodians, rotation, revocation, destruction, compromise', async () => {
    expect((await moves(a, '/v1/keys', { keyId: 'key-et', name: 'ETag key', cryptoperiodDays: 90 }, key('key-et'), 201)).headers.etag).toBe(
      '"1"',
    );
    await moves(a, '/v1/keys/key-et/activate', {}, key('key-et'));
    await moves(a, '/v1/keys/key-et/custodians', { principal: 'cust_et' }, key('key-et'));
    await moves(a, '/v1/keys/key-et/suspend', { reason: 'audit' }, key('key-et'));
    await moves(a, '/v1/keys/key-et/reactivate', {}, key('key-et'));
    const rotated = await moves(a, '/v1/keys/key-et/rotate', {}, key('key-et'));
    expect(rotated.body).toMatchObject({ currentVersion: 2, commands: [] });
    await moves(a, '/v1/keys/key-et/revocation', { reason: 'custodian left' }, key('key-et'));
    await moves(b, '/v1/keys/key-et/revocation/approve', {}, key('key-et'));
    await moves(a, '/v1/keys/key-et/destruction', { waitDays: 7, reason: 'end of use' }, key('key-et'));
    await moves(a, '/v1/keys/key-et/cancel-destruction', {}, key('key-et'));
    await moves(a, '/v1/keys/key-et/destruction', { waitDays: 7, reason: 'end of use' }, key('key-et'));
    clock.advance(8 * 86_400_000);
    expect((await moves(b, '/v1/keys/key-et/destroy', {}, key('key-et'))).body.status).toBe('destroyed');

    await guarded(a, '/v1/keys', { keyId: 'key-et2', name: 'Second' }, key('key-et2'), 201);
    await moves(a, '/v1/keys/key-et2/activate', {}, key('key-et2'));
    await moves(a, '/v1/keys/key-et2/revocation', { reason: 'changed our mind?' }, key('key-et2'));
    await moves(a, '/v1/keys/key-et2/cancel-revocation', {}, key('key-et2'));
    await moves(a, '/v1/keys/key-et2/deactivate', { reason: 'retired' }, key('key-et2'));
    expect(
      (
        await moves(
          a,
          '/v1/keys/key-et2/compromise',
          { reason: 'found on a share', compromisedAt: clock.now().toISOString() },
          key('key-et2'),
        )
      ).body.status,
    ).toBe('compromised');
  });

  const dataset = etagAt('/v1/datasets/ds-et');

  it('datasets: register; encrypt and shred check If-Match against the dataset they leave unchanged', async () => {
    expect(
      (await moves(a, '/v1/datasets', { datasetId: 'ds-et', agentId: 'host-et', path: '/srv/phi/et' }, dataset, 201)).headers.etag,
    ).toBe('"1"');
    await guarded(a, '/v1/keys', { keyId: 'key-et3', name: 'Third' }, key('key-et3'), 201);
    await moves(a, '/v1/keys/key-et3/activate', {}, key('key-et3'));
    const agentBefore = await agent();
    const enc = await guarded(a, '/v1/datasets/ds-et/encrypt', { keyId: 'key-et3' }, dataset, 202);
    expect(enc.headers.etag).toBe('"1"'); // only the agent's proven result changes the dataset
    expect(await agent()).not.toBe(agentBefore); // the command was issued on the agent's stream
    const shred = await guarded(a, '/v1/datasets/ds-et/shred', {}, dataset, 202);
    expect(shred.body.status).toBe('awaiting-approval');
    expect(shred.headers.etag).toBe('"1"');

    // The shred waits for two signed approvals: each one moves the agent's stream.
    const view = await t.http().get('/v1/agents/host-et').set('Authorization', auth(a));
    const pending = view.body.awaitingApproval.find((p: { commandId: string }) => p.commandId === shred.body.commandId);
    const approval = (who: { id: string }) => {
      const k = generateSigningKeyPair();
      return signApproval(
        { commandId: shred.body.commandId, agentId: 'host-et', action: pending.action, params: pending.params },
        {
          approverId: who.id,
          role: 'security-officer',
          approvedAt: clock.now().toISOString(),
          kid: keyIdOf(k.publicKey),
          privateKey: privateKeyFromPem(k.privateKeyPem, 'ed25519'),
        },
      );
    };
    expect(
      (await moves(b, `/v1/agents/host-et/commands/${shred.body.commandId}/approvals`, { approval: approval(b) }, agent)).body.status,
    ).toBe('awaiting-approval');
    expect(
      (await moves(c, `/v1/agents/host-et/commands/${shred.body.commandId}/approvals`, { approval: approval(c) }, agent)).body.status,
    ).toBe('issued');
  });

  const grant = (id: string) => etagAt(`/v1/access/grants/${id}`);

  it('access: grants, recertification, the containment playbook; the sweeps refuse If-Match', async () => {
    const body = (grantId: string, principal: string) => ({
      grantId,
      principal,
      datasetId: 'ds-et',
      permission: 'read',
      purpose: 'treatment',
      durationDays: 30,
    });
    expect((await moves(comp, '/v1/access/grants', body('g-et', 'dr_lee'), grant('g-et'), 201)).headers.etag).toBe('"1"');
    await moves(a, '/v1/access/grants/g-et/approve', {}, grant('g-et'));
    await moves(comp, '/v1/access/grants', body('g-et2', 'nurse_ray'), grant('g-et2'), 201);
    await moves(a, '/v1/access/grants/g-et2/reject', { reason: 'not needed' }, grant('g-et2'));

    const campaign = etagAt('/v1/access/recertifications/rc-et');
    await moves(
      comp,
      '/v1/access/recertifications',
      { campaignId: 'rc-et', dueAt: new Date(clock.now().getTime() + 14 * 86_400_000).toISOString() },
      campaign,
      201,
    );
    await moves(a, '/v1/access/recertifications/rc-et/reviews', { grantId: 'g-et', decision: 'keep' }, campaign);
    await moves(a, '/v1/access/grants/g-et/revoke', { reason: 'left the team' }, grant('g-et'));

    await moves(comp, '/v1/access/grants', body('g-et3', 'mallory'), grant('g-et3'), 201);
    await moves(a, '/v1/access/grants/g-et3/approve', {}, grant('g-et3'));
    let containment: string | null = null;
    const proposal = await guarded(
      a,
      '/v1/access/containment/proposals',
      { incidentId: 'inc-et', reason: 'credentials phished', principals: ['mallory'] },
      async () => containment,
      201,
    );
    containment = proposal.headers.etag as string;
    expect(containment).toBe('"1"');
    const approved = await guarded(
      b,
      `/v1/access/containment/proposals/${proposal.body.containmentId}/approve`,
      {},
      async () => containment,
      200,
    );
    expect(approved.body.outcomes).toEqual([expect.objectContaining({ ok: true })]);
    expect(approved.headers.etag).toBe('"3"'); // approved, then executed

    for (const [path, payload] of [
      ['/v1/access/expire-due', {}],
      ['/v1/access/containment', { principal: 'dr_lee', reason: 'left in a hurry' }],
    ] as const) {
      const refused = await t.http().post(path).set('Authorization', auth(a)).set('If-Match', '"1"').send(payload);
      expect([path, refused.status]).toEqual([path, 400]);
      expect(JSON.stringify(refused.body)).toContain('header.If-Match');
      const ok = await t.http().post(path).set('Authorization', auth(a)).send(payload);
      expect([path, ok.status, ok.headers.etag]).toEqual([path, 200, undefined]);
    }
  });

  it('agents: revocation is the last write, guarded like the others', async () => {
    expect((await moves(a, '/v1/agents/host-et/revoke', { reason: 'host retired' }, agent)).body.status).toBe('revoked');
  });
});
