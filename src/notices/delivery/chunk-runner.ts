/**
 * Renders one chunk of a released notice batch (≈1,000 recipients): letters rendered and
 * merged into the chunk's mail-house print file, substitute-notice and not-required outcomes
 * recorded. Re-running a chunk (after a crash or a stalled job) is safe: letters render to the
 * same bytes and the chunk's print file and rows are committed in one transaction. The chunk's
 * emails are another job on another queue (email-runner.ts): rendering never waits on email.
 */
import { createHash } from 'node:crypto';
import type { ImbConfig } from '../jobs/chunk-worker-config';
import { imbDigits, imbRouting, imbSerial } from '../rendering/imb';
import type { AffectedIndividual } from '../../incidents';
import type { ArtifactStore } from '../../phi';
import type { Clock } from '../../platform/clock';
import { planChannel, type ChannelPlan } from '../domain/channel';
import type { IncidentNoticeFacts, OrganizationProfile } from '../domain/notice-input';
import type { LetterPdfRenderer } from '../rendering/letter-pdf';
import { LetterComposer, letterIdOf } from '../rendering/letters';
import { manifestCsv, mergeLetters, PrintFileReader } from '../rendering/mailhouse';
import type { TemplateSet } from '../rendering/templates';
import type { DeliveryStore } from './delivery-store';

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

export interface ChunkDeps {
  store: DeliveryStore;
  artifacts: ArtifactStore;
  templates: TemplateSet;
  renderer: LetterPdfRenderer;
  clock: Clock;
  /** Pad letters to even pages for duplex printing. */
  duplex?: boolean;
  /** Intelligent Mail barcode fields (mailer id configured). */
  imb?: ImbConfig;
  onProgress?: (done: number, total: number) => void | Promise<void>;
}

export interface ChunkResult {
  recipients: number;
  letters: number;
  /** Recipients whose notice is an email: sent by the chunk's email job, not here. */
  emails: number;
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

export async function readPeople(artifacts: ArtifactStore, digest: string): Promise<AffectedIndividual[]> {
  const out: AffectedIndividual[] = [];
  for await (const p of artifacts.readNdjson<AffectedIndividual>(digest)) out.push(p);
  return out;
}

export async function runChunk(job: ChunkJobData, deps: ChunkDeps): Promise<ChunkResult> {
  const content = await loadContent(deps.artifacts, job.contentArtifact);
  const people = await readPeople(deps.artifacts, job.recipientsArtifact);
  const composer = new LetterComposer(deps.templates, { org: content.org, incident: content.facts }, job.letterDate);
  const existing = await deps.store.chunkRecords(job.batchId, job.chunk);
  const plans = people.map((p) => ({ person: p, plan: planChannel(p) }));
  const result: ChunkResult = {
    recipients: people.length,
    letters: 0,
    emails: plans.filter((x) => x.plan.channel === 'email').length,
    substitute: 0,
    notRequired: 0,
    printArtifact: null,
  };
  let done = 0;
  const total = people.length - result.emails;
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
    const letters: Array<{ person: AffectedIndividual; plan: ChannelPlan; letterId: string; pdf: Buffer }> = [];
    const imbDigitsOf = new Map<string, string>();
    for (const x of offline) {
      if (x.plan.channel === 'mail' || x.plan.channel === 'mail-next-of-kin') {
        const imb = deps.imb ? { ...deps.imb, serial: imbSerial(deps.imb.mailerId, job.batchId, job.chunk, letters.length) } : undefined;
        const doc = composer.letter(job.batchId, x.person, x.plan, imb);
        if (imb && x.plan.address) imbDigitsOf.set(doc.letterId, imbDigits({ ...imb, routing: imbRouting(x.plan.address.zip) }));
        const r = await deps.renderer.render(doc, { creationDate, duplexPad: false });
        letters.push({ person: x.person, plan: x.plan, letterId: doc.letterId, pdf: r.pdf });
      }
    }
    let printFile = null;
    const pages = new Map<string, { first: number; last: number; sha256: string }>();
    if (letters.length > 0) {
      const merged = mergeLetters(
        letters.map((l) => ({ letterId: l.letterId, pdf: l.pdf })),
        { duplex: deps.duplex ?? true, title: `Batch ${job.batchId} chunk ${job.chunk}` },
      );
      // Each letter is stored once, inside the print file (issue 15 item 5): its proof-of-notice
      // digest is the SHA-256 of the letter as extracted from the print file (PrintFileReader),
      // which GET /v1/notices/letters/:letterId/pdf reproduces; no separate copy is kept.
      const reader = new PrintFileReader(merged.pdf);
      const manifest = merged.manifest.map((m) => ({ ...m, sha256: sha256(reader.letter(m.firstPage, m.lastPage)) }));
      const scope = `incident:${job.incidentId}`;
      const printRef = await deps.artifacts.write(scope, asAsync([merged.pdf]));
      const file = `batch-${job.batchId}-chunk-${String(job.chunk).padStart(5, '0')}.pdf`;
      for (const m of manifest) pages.set(m.letterId, { first: m.firstPage, last: m.lastPage, sha256: m.sha256 });
      printFile = {
        batchId: job.batchId,
        chunk: job.chunk,
        printArtifact: printRef.digest,
        printSha256: merged.sha256,
        letters: letters.length,
        pages: merged.pages,
        manifestCsv: manifestCsv(file, manifest, { duplex: deps.duplex ?? true, imb: imbDigitsOf }),
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
        pdfSha256: pg?.sha256 ?? null,
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

  return result;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Adapts a synchronous iterable to the artifact store's AsyncIterable input. */
export async function* asAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  for (const i of items) yield i;
}
