/**
 * Governance flows over HTTP (no agent process needed): timelines on the workflows engine,
 * recertification campaigns, the containment playbook, and result intake refusing anything
 * not signed by the enrolled agent key.
 */
import { randomUUID } from 'node:crypto';
import { generateSealKeyPair, generateSigningKeyPair, keyIdOf, privateKeyFromPem, signMessage } from '../../../src/shared/agent-protocol';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { CloseDueCampaignsCommand } from '../../../src/access';
import { PendingDeliveriesQuery, ReceiveAgentMessageCommand, type PendingDelivery } from '../../../src/agents';
import { FakeClock } from '../../../src/platform/clock';
import { WORKFLOW_ENGINE } from '../../../src/workflows/tokens';
import type { WorkflowEngine } from '../../../src/workflows/runtime/workflow-engine';
import { startTestApp, type TestApp } from '../../support/test-app';

describe('keys, grants, recertification and containment over HTTP', () => {
  let t: TestApp;
  let clock: FakeClock;
  let a: { id: string; apiKey: string };
  let b: { id: string; apiKey: string };
  let comp: { id: string; apiKey: string };
  const agentKeys = generateSigningKeyPair();
  const as = (who: { apiKey: string }) => ({
    get: (p: string) => t.http().get(p).set('Authorization', `Bearer ${who.apiKey}`),
    post: (p: string, body: object = {}) => t.http().post(p).set('Authorization', `Bearer ${who.apiKey}`).send(body),
  });

  beforeAll(async () => {
    clock = new FakeClock('2026-01-05T15:00:00.000Z');
    t = await startTestApp({ clock });
    a = await t.principal('security-officer');
    b = await t.principal('security-officer');
    comp = await t.principal('compliance-officer');
    const tok = await as(a).post('/v1/agents/tokens', { agentId: 'host-g' });
    const enr = await t
      .http()
      .post('/v1/agents/enrollments')
      .send({
        token: tok.body.token,
        agentId: 'host-g',
        publicKey: agentKeys.publicKey,
        sealPublicKey: generateSealKeyPair().publicKey,
        hostFacts: { hostname: 'test' },
      });
    expect(enr.status).toBe(201);
    expect((await as(b).post('/v1/agents/host-g/approve')).status).toBe(200);
    await as(a).post('/v1/keys', { keyId: 'key-g', name: 'Billing', cryptoperiodDays: 90 });
    await as(a).post('/v1/keys/key-g/activate');
    await as(a).post('/v1/datasets', { datasetId: 'ds-g', agentId: 'host-g', path: '/srv/phi/billing' });
  }, 60_000);

  afterAll(async () => t?.close());

  it('validates input and names the field', async () => {
    const r = await as(comp).post('/v1/access/grants', {
      principal: 'dr_*',
      datasetId: 'ds-g',
      permission: 'read',
      purpose: 'x y z',
      durationDays: 5,
    });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('principal');
    expect((await as(a).post('/v1/keys', { name: 'k', maxCustodians: 99 })).status).toBe(400);
    expect((await as(comp).post('/v1/keys', { name: 'k' })).status).toBe(403);
    expect((await as(a).post('/v1/keys/key-g/bogus')).status).toBe(400);
  });

  it('puts the key on a key-rotation timeline due at the end of its cryptoperiod', async () => {
    // Timelines of a context's own events are folded by the engine through our translators.
    const plan = await t.app.get<symbol, WorkflowEngine>(WORKFLOW_ENGINE).plan();
    const tl = plan.find((p) => p.timeline.workflow === 'key-rotation' && p.timeline.subject.id === 'key-g');
    expect(tl?.timeline).toMatchObject({ dueOn: '2026-04-05' });
    expect(tl!.timers.some((x) => x.kind === 'reminder')).toBe(true);
  });

  it('reports unencrypted datasets in the compliance posture', async () => {
    const r = await as(a).get('/v1/posture');
    expect(r.status).toBe(200);
    const sec = r.body.sections.find((x: { key: string }) => x.key === 'unencrypted-datasets');
    expect(sec).toMatchObject({ available: true, attention: 1, rows: [{ datasetId: 'ds-g', state: 'unencrypted' }] });
  });

  it('runs a recertification campaign: frozen population, reviewer decisions, revocation', async () => {
    for (const [g, p] of [
      ['g-1', 'dr_lee'],
      ['g-2', 'nurse_ray'],
    ]) {
      expect(
        (
          await as(comp).post('/v1/access/grants', {
            grantId: g,
            principal: p,
            datasetId: 'ds-g',
            permission: 'read',
            purpose: 'care',
            durationDays: 90,
          })
        ).status,
      ).toBe(201);
      expect((await as(a).post(`/v1/access/grants/${g}/approve`)).body.status).toBe('active');
    }
    const c = await as(comp).post('/v1/access/recertifications', {
      campaignId: 'q1',
      dueAt: '2026-01-20T00:00:00.000Z',
      revokeUnreviewed: true,
    });
    expect(c.status).toBe(201);
    expect(c.body.items.map((i: { grantId: string; reviewer: string }) => [i.grantId, i.reviewer])).toEqual([
      ['g-1', a.id],
      ['g-2', a.id],
    ]);
    // A grant made after the start is not in the frozen population.
    await as(comp).post('/v1/access/grants', {
      grantId: 'g-3',
      principal: 'tech_kim',
      datasetId: 'ds-g',
      permission: 'read',
      purpose: 'care',
      durationDays: 90,
    });
    expect((await as(b).post('/v1/access/recertifications/q1/reviews', { grantId: 'g-1', decision: 'keep' })).status).toBe(422); // not the reviewer
    expect((await as(a).post('/v1/access/recertifications/q1/reviews', { grantId: 'g-3', decision: 'keep' })).status).toBe(422);
    expect(
      (await as(a).post('/v1/access/recertifications/q1/reviews', { grantId: 'g-1', decision: 'revoke', reason: 'no longer treating' }))
        .status,
    ).toBe(200);
    expect((await as(a).get('/v1/access/grants/g-1')).body.status).toBe('revoked');
    clock.set('2026-01-21T00:00:00.000Z');
    expect(
      await t.app
        .get(CommandBus)
        .execute(new CloseDueCampaignsCommand({ actor: { id: 'system:test', role: 'system' }, correlationId: randomUUID() })),
    ).toEqual(['q1']);
    const after = await as(a).get('/v1/access/recertifications/q1');
    expect(after.body).toMatchObject({ status: 'closed', escalated: ['g-2'] });
    expect((await as(a).get('/v1/access/grants/g-2')).body.status).toBe('revoked');
  });

  it('containment: proposed from the incident facts, approved once by another officer, everything recorded', async () => {
    await as(comp).post('/v1/access/grants', {
      grantId: 'g-9',
      principal: 'mallory',
      datasetId: 'ds-g',
      permission: 'read',
      purpose: 'billing',
      durationDays: 30,
    });
    await as(a).post('/v1/access/grants/g-9/approve');
    const p = await as(a).post('/v1/access/containment/proposals', {
      incidentId: 'inc-42',
      reason: 'credentials phished',
      principals: ['mallory'],
      keyIds: ['key-g'],
      compromisedAt: '2026-01-20T12:00:00.000Z',
    });
    expect(p.status).toBe(201);
    expect(p.body.actions.map((x: { kind: string }) => x.kind)).toEqual(['revoke-grant', 'rotate-key', 'mark-key-compromised']);
    expect((await as(a).post(`/v1/access/containment/proposals/${p.body.containmentId}/approve`)).status).toBe(422);
    const ok = await as(b).post(`/v1/access/containment/proposals/${p.body.containmentId}/approve`);
    expect(ok.body.outcomes.every((o: { ok: boolean }) => o.ok)).toBe(true);
    expect((await as(a).get('/v1/access/grants/g-9')).body.status).toBe('revoked');
    const key = await as(a).get('/v1/keys/key-g');
    expect(key.body).toMatchObject({ status: 'compromised', currentVersion: 2, compromisedAt: '2026-01-20T12:00:00.000Z' });
  });

  it('re-offers pending, unexpired commands from the ledger when Redis lost them', async () => {
    const pendingDeliveries = () => t.app.get(QueryBus).execute<PendingDeliveriesQuery, PendingDelivery[]>(new PendingDeliveriesQuery());
    const scan = await as(a).post('/v1/agents/host-g/scan', { paths: ['/srv/phi/billing'] });
    expect(scan.status).toBe(201);
    expect((await pendingDeliveries()).map((d) => d.commandId)).toContain(scan.body.commandId);
    clock.advance(11 * 60_000); // past expiresAt: no longer offered (the agent would refuse it anyway)
    expect((await pendingDeliveries()).map((d) => d.commandId)).not.toContain(scan.body.commandId);
  });

  it('accepts results only when signed by the enrolled agent key', async () => {
    const s = { receive: (msg: unknown) => t.app.get(CommandBus).execute(new ReceiveAgentMessageCommand(msg)) };
    const body = {
      v: 1,
      commandId: null,
      commandDigest: null,
      agentId: 'host-g',
      seq: null,
      status: 'refused',
      reason: 'bad-signature',
      startedAt: clock.now().toISOString(),
      finishedAt: clock.now().toISOString(),
      evidence: {},
      gap: null,
      jobId: 'j',
    };
    const stranger = generateSigningKeyPair();
    expect(
      await s.receive(signMessage('result', body, privateKeyFromPem(stranger.privateKeyPem, 'ed25519'), keyIdOf(stranger.publicKey))),
    ).toBe('rejected');
    expect(await s.receive({ junk: true })).toBe('rejected');
    expect(
      await s.receive(signMessage('result', body, privateKeyFromPem(agentKeys.privateKeyPem, 'ed25519'), keyIdOf(agentKeys.publicKey))),
    ).toBe('recorded');
    const view = await as(a).get('/v1/agents/host-g');
    expect(view.status).toBe(200);
    await as(a).post('/v1/agents/host-g/revoke', { reason: 'host retired' });
    expect(
      await s.receive(signMessage('result', body, privateKeyFromPem(agentKeys.privateKeyPem, 'ed25519'), keyIdOf(agentKeys.publicKey))),
    ).toBe('rejected');
  });
});
