/**
 * Delivers one chunk of a released notice batch (≈1,000 recipients): letters rendered and
 * merged into the chunk's mail-house print file, emails sent to those who agreed to them,
 * substitute-notice and not-required outcomes recorded. Re-running a chunk (after a crash or a
 * stalled job) is safe: letters render to the same bytes and the chunk's print file and rows
 * are committed in one transaction; emails follow the claim → send → mark protocol described
 * in delivery-store.ts (durable when each call resolves).
 */
import type { ImbConfig } from '../jobs/chunk-worker-config';
import { imbDigits, imbRouting, imbSerial } from '../rendering/imb';
import type { AffectedIndividual } from '../../incidents';
import type { ArtifactStore } from '../../phi';
import type { Clock } from '../../platform/clock';
import { planChannel, type ChannelPlan } from '../domain/channel';
import type { IncidentNoticeFacts, OrganizationProfile } from '../domain/notice-input';
import { noticeMessageId, type NoticeMailer } from '../email/mailer';
import type { LetterPdfRenderer } from '../rendering/letter-pdf';
import { LetterComposer, letterIdOf } from '../rendering/letters';
import { manifestCsv, mergeLetters } from '../rendering/mailhouse';
import type { TemplateSet } from '../rendering/templates';
import type { DeliveryRecord, DeliveryStore } from './delivery-store';

/** What a chunk job carries: ids and digests only, never PHI. */
export interface ChunkJobData {
  batchId: string;
  incidentId: string;
  chunk: number;
  /** Encrypted NDJSON artifact with this chunk's AffectedIndividual records. */
  recipientsArtifact: string;
  /** Encrypted JSON artifact: { org, facts }. */
  contentArtifact: string;
  /** Letter date (ISO calendar date) and the fixed PDF creation instant. */
  letterDate: string;
  creationDate: string;
}

export interface BatchContent {
  org: OrganizationProfile;
  facts: IncidentNoticeFacts;
}

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

export interface ChunkDeps {
  store: DeliveryStore;
  artifacts: ArtifactStore;
  templates: TemplateSet;
  renderer: LetterPdfRenderer;
  mailer: NoticeMailer | null;
  inDoubt: InDoubtResolver | null;
  /** With no resolver answer: resend (flag possible duplicate) or hold for an operator. */
  inDoubtPolicy: 'resend' | 'hold';
  clock: Clock;
  emailConcurrency?: number;
  /** Pad letters to even pages for duplex printing. */
  duplex?: boolean;
  /** Intelligent Mail barcode fields (mailer id configured). */
  imb?: ImbConfig;
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

export interface ChunkResult {
  recipients: number;
  letters: number;
  emailsSent: number;
  emailsSkipped: number;
  inDoubt: number;
  resent: number;
  held: number;
  failed: number;
  substitute: number;
  notRequired: number;
  printArtifact: string | null;
}

const contentCache = new Map<string, BatchContent>();

export async function loadContent(artifacts: ArtifactStore, digest: string): Promise<BatchContent> {
  const hit = contentCache.get(digest);
  if (hit) return hit;
  const parts: Buffer[] = [];
  for await (const c of artifacts.read(digest)) parts.push(c);
  const content = JSON.parse(Buffer.concat(parts).toString('utf8')) as BatchContent;
  contentCache.set(digest, content);
  return content;
}

async function readPeople(artifacts: ArtifactStore, digest: string): Promise<AffectedIndividual[]> {
  const out: AffectedIndividual[] = [];
  for await (const p of artifacts.readNdjson<AffectedIndividual>(digest)) out.push(p);
  return out;
}

export async function runChunk(job: ChunkJobData, deps: ChunkDeps): Promise<ChunkResult> {
  const content = await loadContent(deps.artifacts, job.contentArtifact);
  const people = await readPeople(deps.artifacts, job.recipientsArtifact);
  const composer = new LetterComposer(deps.templates, { org: content.org, incident: content.facts }, job.letterDate);
  const existing = await deps.store.chunkRecords(job.batchId, job.chunk);
  const result: ChunkResult = {
    recipients: people.length,
    letters: 0,
    emailsSent: 0,
    emailsSkipped: 0,
    inDoubt: 0,
    resent: 0,
    held: 0,
    failed: 0,
    substitute: 0,
    notRequired: 0,
    printArtifact: null,
  };
  const plans = people.map((p) => ({ person: p, plan: planChannel(p) }));
  let done = 0;
  const total = people.length;
  const tick = async (n: number) => {
    done += n;
    if (deps.onProgress) await deps.onProgress(done, total);
  };

  // 1. Letters, substitute and not-required outcomes: one transaction per chunk.
  const offline = plans.filter((x) => x.plan.channel !== 'email');
  const alreadyRecorded = offline.length > 0 && offline.every((x) => existing.has(x.person.id));
  if (!alreadyRecorded && offline.length > 0) {
    const now = deps.clock.now().toISOString();
    const creationDate = new Date(job.creationDate);
    const letters: Array<{ person: AffectedIndividual; plan: ChannelPlan; letterId: string; pdf: Buffer; sha256: string }> = [];
    const imbDigitsOf = new Map<string, string>();
    for (const x of offline) {
      if (x.plan.channel === 'mail' || x.plan.channel === 'mail-next-of-kin') {
        const imb = deps.imb ? { ...deps.imb, serial: imbSerial(deps.imb.mailerId, job.batchId, job.chunk, letters.length) } : undefined;
        const doc = composer.letter(job.batchId, x.person, x.plan, imb);
        if (imb && x.plan.address) imbDigitsOf.set(doc.letterId, imbDigits({ ...imb, routing: imbRouting(x.plan.address.zip) }));
        const r = await deps.renderer.render(doc, { creationDate, duplexPad: false });
        letters.push({ person: x.person, plan: x.plan, letterId: doc.letterId, pdf: r.pdf, sha256: r.sha256 });
      }
    }
    let printFile = null;
    const pages = new Map<string, { first: number; last: number }>();
    if (letters.length > 0) {
      const merged = mergeLetters(
        letters.map((l) => ({ letterId: l.letterId, pdf: l.pdf })),
        { duplex: deps.duplex ?? true, title: `Batch ${job.batchId} chunk ${job.chunk}` },
      );
      const scope = `incident:${job.incidentId}`;
      const printRef = await deps.artifacts.write(scope, asAsync([merged.pdf]));
      const lettersRef = await deps.artifacts.write(
        scope,
        asAsync(
          (function* () {
            for (const l of letters)
              yield `${JSON.stringify({ letterId: l.letterId, individualId: l.person.id, sha256: l.sha256, pdf: l.pdf.toString('base64') })}\n`;
          })(),
        ),
      );
      const file = `batch-${job.batchId}-chunk-${String(job.chunk).padStart(5, '0')}.pdf`;
      for (const m of merged.manifest) pages.set(m.letterId, { first: m.firstPage, last: m.lastPage });
      printFile = {
        batchId: job.batchId,
        chunk: job.chunk,
        printArtifact: printRef.digest,
        printSha256: merged.sha256,
        lettersArtifact: lettersRef.digest,
        letters: letters.length,
        pages: merged.pages,
        manifestCsv: manifestCsv(file, merged.manifest, { duplex: deps.duplex ?? true, imb: imbDigitsOf }),
      };
      result.printArtifact = printRef.digest;
    }
    const bySha = new Map(letters.map((l) => [l.person.id, l]));
    const rows = offline.map((x) => {
      const l = bySha.get(x.person.id);
      const state = l ? ('printed' as const) : x.plan.channel === 'substitute' ? ('substitute' as const) : ('not-required' as const);
      const letterId = l?.letterId ?? letterIdOf(job.batchId, x.person.id);
      const pg = l ? pages.get(letterId) : undefined;
      return {
        batchId: job.batchId,
        individualId: x.person.id,
        letterId,
        chunk: job.chunk,
        channel: x.plan.channel,
        state,
        pdfSha256: l?.sha256 ?? null,
        printFile: l ? printFile!.printArtifact : null,
        firstPage: pg?.first ?? null,
        lastPage: pg?.last ?? null,
        deliveredAt: now,
      };
    });
    await deps.store.recordChunkOutcome(rows, printFile);
    result.letters = letters.length;
  }
  for (const x of offline) {
    if (x.plan.channel === 'substitute') result.substitute++;
    else if (x.plan.channel === 'none') result.notRequired++;
    else if (alreadyRecorded) result.letters++;
  }
  await tick(offline.length);

  // 2. Emails, a few in flight at once (the transport pools connections; the limiter is global).
  const emails = plans.filter((x) => x.plan.channel === 'email');
  if (emails.length > 0 && !deps.mailer) throw new Error('email channel needs a mail transport');
  const queue = [...emails];
  const marks: Array<Promise<void>> = [];
  const workers = Array.from({ length: Math.max(1, deps.emailConcurrency ?? 8) }, async () => {
    for (;;) {
      const x = queue.shift();
      if (!x) return;
      await sendOne(job, x.person, existing.get(x.person.id) ?? null, deps, composer, result, marks);
      await tick(1);
    }
  });
  try {
    await Promise.all(workers);
  } finally {
    await Promise.allSettled(marks);
  }
  await Promise.all(marks);
  return result;
}

async function sendOne(
  job: ChunkJobData,
  person: AffectedIndividual,
  prior: DeliveryRecord | null,
  deps: ChunkDeps,
  composer: LetterComposer,
  result: ChunkResult,
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
    const sent = await deps.mailer!.send(
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

/** Adapts a synchronous iterable to the artifact store's AsyncIterable input. */
export async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const i of items) yield i;
}
