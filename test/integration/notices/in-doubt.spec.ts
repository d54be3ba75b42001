/**
 * The email in-doubt window, row by row: a previous attempt claimed a send ('sending') and died
 * before recording its outcome. The retry must not blindly resend: it asks the relay log; with
 * no answer it follows the policy (resend and flag a possible duplicate, or hold for an operator).
 */
import { join } from 'node:path';
import { asAsync } from '../../../src/notices/delivery/chunk-runner';
import { runEmails, type EmailDeps, type InDoubtResolver } from '../../../src/notices/delivery/email-runner';
import { SqliteDeliveryStore } from '../../../src/notices/delivery/sqlite-delivery-store';
import { NoticeMailer, noticeMessageId } from '../../../src/notices/email/mailer';
import { letterIdOf } from '../../../src/notices/rendering/letters';
import { TemplateSet } from '../../../src/notices/rendering/templates';
import { ArtifactStore } from '../../../src/phi/artifact-store';
import { DataKeyStore } from '../../../src/phi/data-key-store';
import { MasterKey } from '../../../src/phi/master-key';
import { PhiVault } from '../../../src/phi/phi-vault';
import { FakeClock } from '../../../src/platform/clock';
import { makeTempDir } from '../../support/temp-dir';
import { syntheticPerson, testFacts, testOrg } from '../../unit/notices/fixtures';
import { SmtpSink } from './smtp-sink';

const BATCH = '01937a4e-8f00-7000-8000-0000000d0b75';

describe('in-doubt emails after a crash', () => {
  const dir = makeTempDir('notices-indoubt-');
  let sink: SmtpSink;
  afterAll(async () => {
    await sink?.stop();
    dir.cleanup();
  });

  async function setup(resolver: InDoubtResolver | null, policy: 'resend' | 'hold', name: string) {
    sink = sink ?? (await new SmtpSink().start());
    const clock = new FakeClock('2025-04-01T09:00:00.000Z');
    const artifacts = new ArtifactStore(
      join(dir.path, 'artifacts'),
      new PhiVault(new DataKeyStore(join(dir.path, 'vault.db'), MasterKey.loadOrCreate(join(dir.path, 'master.key'))), clock),
    );
    const org = testOrg();
    const facts = testFacts();
    const people = [1, 2, 3].map((i) => syntheticPerson(i, { emailConsent: true }));
    const recipients = await artifacts.write(`incident:${facts.incidentId}`, asAsync(people.map((p) => `${JSON.stringify(p)}\n`)));
    const content = await artifacts.write(`incident:${facts.incidentId}`, asAsync([JSON.stringify({ org, facts })]));
    const store = new SqliteDeliveryStore(join(dir.path, `${name}.db`));
    const deps: EmailDeps = {
      store,
      artifacts,
      templates: new TemplateSet(),
      mailer: new NoticeMailer({ kind: 'smtp', host: '127.0.0.1', port: sink.port, ignoreTLS: true }, null),
      inDoubt: resolver,
      inDoubtPolicy: policy,
      clock,
    };
    const job = {
      batchId: BATCH,
      incidentId: facts.incidentId,
      chunk: 0,
      recipientsArtifact: recipients.digest,
      contentArtifact: content.digest,
      letterDate: '2025-04-01',
      creationDate: '2025-04-01T00:00:00.000Z',
    };
    // The crashed attempt: person 1 was sent and recorded; person 2 was claimed, outcome unknown.
    const mid = (i: number) => noticeMessageId(BATCH, letterIdOf(BATCH, people[i]!.id), org.mailFrom);
    await store.claimEmail({
      batchId: BATCH,
      individualId: people[0]!.id,
      letterId: letterIdOf(BATCH, people[0]!.id),
      chunk: 0,
      messageId: mid(0),
    });
    await store.markSent(BATCH, people[0]!.id, mid(0), '250 OK', clock.now().toISOString());
    await store.claimEmail({
      batchId: BATCH,
      individualId: people[1]!.id,
      letterId: letterIdOf(BATCH, people[1]!.id),
      chunk: 0,
      messageId: mid(1),
    });
    return { deps, job, store, people, mid };
  }

  const countFor = (messageId: string) => sink.received.filter((m) => m.parsed.messageId === messageId).length;

  it('asks the relay: accepted → recorded as sent, never resent', async () => {
    const { deps, job, store, people, mid } = await setup({ resolve: async () => 'accepted' }, 'resend', 'accepted');
    const before = sink.received.length;
    const r = await runEmails(job, deps);
    deps.mailer.close();
    expect(r).toMatchObject({ emailsSent: 1, emailsSkipped: 2, inDoubt: 1, resent: 0 });
    expect(sink.received.length - before).toBe(1); // only person 3
    expect(await store.get(BATCH, people[1]!.id)).toMatchObject({ state: 'sent', possibleDuplicate: false });
    expect(countFor(mid(2))).toBe(1);
  });

  it('asks the relay: not accepted → sent now, not flagged', async () => {
    const { deps, job, store, people, mid } = await setup({ resolve: async () => 'not-accepted' }, 'resend', 'notaccepted');
    const before = countFor(mid(1));
    const r = await runEmails(job, deps);
    deps.mailer.close();
    expect(r).toMatchObject({ inDoubt: 1, resent: 1 });
    expect(countFor(mid(1)) - before).toBe(1);
    expect(await store.get(BATCH, people[1]!.id)).toMatchObject({ state: 'sent', possibleDuplicate: false, attempts: 2 });
  });

  it('no answer, policy resend → sent again and flagged as a possible duplicate in the proof', async () => {
    const { deps, job, store, people } = await setup(null, 'resend', 'resend');
    const r = await runEmails(job, deps);
    deps.mailer.close();
    expect(r).toMatchObject({ inDoubt: 1, resent: 1 });
    expect(await store.get(BATCH, people[1]!.id)).toMatchObject({ state: 'sent', possibleDuplicate: true });
    expect((await store.progress(BATCH)).possibleDuplicates).toBe(1);
  });

  it('no answer, policy hold → held for an operator, not sent', async () => {
    const { deps, job, store, people, mid } = await setup({ resolve: async () => 'unknown' }, 'hold', 'hold');
    const before = countFor(mid(1));
    const r = await runEmails(job, deps);
    deps.mailer.close();
    expect(r).toMatchObject({ inDoubt: 1, held: 1, resent: 0 });
    expect(countFor(mid(1))).toBe(before);
    expect((await store.get(BATCH, people[1]!.id))!.state).toBe('held');
  });
});
