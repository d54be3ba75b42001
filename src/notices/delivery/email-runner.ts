/**
 * Sends the emails of one chunk of a released notice batch, as its own job on its own queue
 * (`notices-email`, issue 15 item 2): rendering never waits on email, and the shared email rate
 * limit (a Redis token bucket over SMTP; none for the outbox folder) applies here only.
 *
 * Exactly once across crashes: each send follows claim → send → mark (delivery-store.ts; each
 * call resolves once durable). A re-run (retry after a SIGKILL or a stalled job) skips every
 * 'sent' row, sends rows it never claimed, and resolves 'sending' rows (in doubt) through the relay's acceptance log or the
 * in-doubt policy, never blindly.
 */
import type { AffectedIndividual } from '../../incidents';
import type { ArtifactStore } from '../../phi';
import type { Clock } from '../../platform/clock';
import { planChannel } from '../domain/channel';
import { noticeMessageId, type NoticeMailer } from '../email/mailer';
import { LetterComposer, letterIdOf } from '../rendering/letters';
import type { TemplateSet } from '../rendering/templates';
import { loadContent, readPeople, type ChunkJobData } from './chunk-runner';
import type { DeliveryRecord, DeliveryStore } from './delivery-store';

export type InDoubtAnswer = 'accepted' | 'not-accepted' | 'unknown';

/** Asks the mail relay whether it accepted a message (by Message-ID). */
export interface InDoubtResolver {
  resolve(messageId: string): Promise<InDoubtAnswer>;
}

/** A relay that exposes its acceptance log over HTTP: GET <url>?messageId=… → {"accepted": bool}. */
export class HttpRelayLogResolver implements InDoubtResolver {
  constructor(private readonly url: string) {}
  async resolve(messageId: string): Promise<InDoubtAnswer> {
    try {
      const res = await fetch(`${this.url}${this.url.includes('?') ? '&' : '?'}messageId=${encodeURIComponent(messageId)}`);
      if (!res.ok) return 'unknown';
      const body = (await res.json()) as { accepted?: unknown };
      return body.accepted === true ? 'accepted' : body.accepted === false ? 'not-accepted' : 'unknown';
    } catch {
      return 'unknown';
    }
  }
}

export interface EmailDeps {
  store: DeliveryStore;
  artifacts: ArtifactStore;
  templates: TemplateSet;
  mailer: NoticeMailer;
  inDoubt: InDoubtResolver | null;
  /** With no resolver answer: resend (flag possible duplicate) or hold for an operator. */
  inDoubtPolicy: 'resend' | 'hold';
  clock: Clock;
  /** Emails in flight at once (the transport pools connections; the limiter is global). */
  emailConcurrency?: number;
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

export interface EmailResult {
  emails: number;
  emailsSent: number;
  emailsSkipped: number;
  inDoubt: number;
  resent: number;
  held: number;
  failed: number;
}

/** The email job of a chunk: the same job data as its chunk job (ids and digests only). */
export async function runEmails(job: ChunkJobData, deps: EmailDeps): Promise<EmailResult> {
  const content = await loadContent(deps.artifacts, job.contentArtifact);
  const people = (await readPeople(deps.artifacts, job.recipientsArtifact)).filter((p) => planChannel(p).channel === 'email');
  const result: EmailResult = { emails: people.length, emailsSent: 0, emailsSkipped: 0, inDoubt: 0, resent: 0, held: 0, failed: 0 };
  if (people.length === 0) return result;
  const composer = new LetterComposer(deps.templates, { org: content.org, incident: content.facts }, job.letterDate);
  const existing = await deps.store.chunkRecords(job.batchId, job.chunk);
  let done = 0;
  const queue = [...people];
  const marks: Array<Promise<void>> = [];
  const workers = Array.from({ length: Math.max(1, deps.emailConcurrency ?? 8) }, async () => {
    for (;;) {
      const person = queue.shift();
      if (!person) return;
      await sendOne(job, person, existing.get(person.id) ?? null, deps, composer, result, marks);
      done++;
      if (deps.onProgress) await deps.onProgress(done, people.length);
    }
  });
  try {
    await Promise.all(workers);
  } finally {
    await Promise.allSettled(marks);
  }
  // The job completes only once every mark is durable (a failed commit fails the job: retried, rows resolved as in doubt).
  await Promise.all(marks);
  return result;
}

async function sendOne(
  job: ChunkJobData,
  person: AffectedIndividual,
  prior: DeliveryRecord | null,
  deps: EmailDeps,
  composer: LetterComposer,
  result: EmailResult,
  marks: Array<Promise<void>>,
): Promise<void> {
  const letterId = letterIdOf(job.batchId, person.id);
  const content = composer;
  const org = (await loadContent(deps.artifacts, job.contentArtifact)).org;
  const messageId = noticeMessageId(job.batchId, letterId, org.mailFrom);
  let possibleDuplicate = false;
  if (prior) {
    if (prior.state === 'sent' || prior.state === 'held' || prior.state === 'failed') {
      result.emailsSkipped++;
      return;
    }
    if (prior.state === 'sending') {
      // In doubt: the previous attempt died between claim and outcome.
      result.inDoubt++;
      const answer = deps.inDoubt ? await deps.inDoubt.resolve(prior.messageId ?? messageId) : 'unknown';
      if (answer === 'accepted') {
        await deps.store.markSent(
          job.batchId,
          person.id,
          prior.messageId ?? messageId,
          'accepted (confirmed from the relay log after a crash)',
          deps.clock.now().toISOString(),
        );
        result.emailsSkipped++;
        return;
      }
      if (answer === 'unknown') {
        if (deps.inDoubtPolicy === 'hold') {
          await deps.store.markEmailState(job.batchId, person.id, 'held', 'in doubt after a crash; held for an operator');
          result.held++;
          return;
        }
        possibleDuplicate = true;
      }
      result.resent++;
    }
  }
  await deps.store.claimEmail({ batchId: job.batchId, individualId: person.id, letterId, chunk: job.chunk, messageId });
  try {
    const sent = await deps.mailer.send(
      person,
      content.email(person),
      messageId,
      { 'X-Notice-Batch': job.batchId, 'X-Notice-Ref': letterId },
      { name: org.name, address: org.mailFrom },
    );
    // Not awaited: the next send need not wait for this fsync. The mark joins the next group
    // commit; the chunk finishes only after every mark is durable (see runChunk). A crash before
    // it commits leaves the row 'sending', i.e. in doubt — the documented window, no wider.
    marks.push(
      deps.store.markSent(job.batchId, person.id, sent.messageId, sent.response, deps.clock.now().toISOString(), possibleDuplicate),
    );
    result.emailsSent++;
  } catch (err) {
    const code = (err as { responseCode?: number }).responseCode;
    if (code !== undefined && code >= 500) {
      // Permanent rejection: nothing was accepted. Record it; the bounce raises insufficient contact.
      await deps.store.markEmailState(job.batchId, person.id, 'failed', `rejected ${code}`);
      result.failed++;
      return;
    }
    throw err; // transient: the job retries and the row is resolved as in doubt
  }
}
