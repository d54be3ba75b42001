import { Queue } from 'bullmq';
import { EVENT_STORE } from '../../../src/platform/tokens';
import type { EventStore } from '../../../src/ledger/port';
import { runCli } from '../../../src/cli/main';
import { WORKFLOWS_QUEUE } from '../../../src/workflows/runtime/workflow-engine';
import { startTestApp, type TestApp } from '../../support/test-app';

describe('workflows inside the service', () => {
  let t: TestApp;
  afterEach(async () => {
    await t?.close();
    t = undefined as never;
  });

  it('publishes the definitions and installs the schedulers with the organization time zone on start', async () => {
    t = await startTestApp();
    const store = t.app.get<EventStore>(EVENT_STORE);
    const published = await store.readStream('workflow-definition-breach-notification');
    expect(published.map((e) => [e.type, e.data.version])).toEqual([['WorkflowDefinitionPublished', 1]]);
    const q = new Queue(WORKFLOWS_QUEUE, { connection: { url: t.config.REDIS_URL }, prefix: t.config.REDIS_PREFIX });
    try {
      const s = await q.getJobSchedulers();
      expect(s.map((x) => [x.key, x.tz]).sort()).toEqual([
        ['schedule|access-recertification', t.config.ORG_TIMEZONE],
        ['sweep', t.config.ORG_TIMEZONE],
      ]);
    } finally {
      await q.close();
    }
  });

  it('lists the definitions and the open timelines with days left', async () => {
    t = await startTestApp();
    const co = await t.principal('compliance-officer');
    const auditor = await t.principal('auditor');
    await t.http().post('/v1/risk/programs').set('Authorization', `Bearer ${co.apiKey}`).send({ name: 'P', ownerId: co.id, firstReviewDueOn: '2025-04-09' }).expect(201);
    const defs = await t.http().get('/v1/workflows').set('Authorization', `Bearer ${auditor.apiKey}`).expect(200);
    expect(defs.body.map((d: { workflow: string }) => d.workflow)).toContain('breach-notification');
    const tl = await t.http().get('/v1/workflows/timelines').set('Authorization', `Bearer ${auditor.apiKey}`).expect(200);
    expect(tl.body).toEqual([expect.objectContaining({ workflow: 'risk-review-annual', subject: { kind: 'risk-program', id: 'default' }, dueOn: '2025-04-09', daysLeft: 30, overdue: false })]);
    const bad = await t.http().get('/v1/workflows/timelines?workflow=Bad!').set('Authorization', `Bearer ${auditor.apiKey}`);
    expect(bad.status).toBe(400);
  });

  it('safeharbor workflows validate exits 0 on the shipped files and 2 on a missing folder', async () => {
    const write = process.stderr.write.bind(process.stderr);
    const out = process.stdout.write.bind(process.stdout);
    const errs: string[] = [];
    process.stderr.write = ((s: string) => (errs.push(String(s)), true)) as never;
    process.stdout.write = (() => true) as never;
    try {
      expect(await runCli(['workflows', 'validate', 'workflows'])).toBe(0);
      expect(await runCli(['workflows', 'validate', '/nonexistent/wf'])).toBe(2);
    } finally {
      process.stderr.write = write;
      process.stdout.write = out;
    }
    expect(errs.join('')).toContain('/nonexistent/wf: cannot read directory (ENOENT)');
  });
});
