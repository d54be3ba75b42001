/**
 * Splits a released batch into chunk jobs: the recipients artifact is streamed once and cut
 * into chunk artifacts of `chunkSize` records (encrypted, content-addressed); one BullMQ job
 * per chunk on the chunk queue (letters), and one on the email queue for each chunk with
 * anyone to email, both with the deterministic id `<batchId>.<chunk>`, so re-planning after a
 * crash adds nothing twice. Rendering and email run apart: a renderer never waits on the email
 * rate limit. Job data: ids and digests only.
 */
import type { Queue } from 'bullmq';
import type { AffectedIndividual } from '../../incidents';
import { planChannel } from '../domain/channel';
import type { ArtifactStore } from '../../phi';
import { asAsync, type ChunkJobData } from './chunk-runner';
import type { DeliveryStore } from './delivery-store';

export const CHUNK_QUEUE = 'notices-chunks';
/** One job per chunk with email recipients, sent by email.processor.ts (rate-limited there). */
export const EMAIL_QUEUE = 'notices-email';
export const DEFAULT_CHUNK_SIZE = 1000;

export interface PlanInput {
  batchId: string;
  incidentId: string;
  recipientsArtifact: string;
  contentArtifact: string;
  letterDate: string;
  creationDate: string;
  chunkSize?: number;
  now: string;
}

export function chunkJobId(batchId: string, chunk: number): string {
  return `${batchId}.${chunk}`;
}

export async function planBatch(
  artifacts: ArtifactStore,
  store: DeliveryStore,
  queues: { chunks: Queue; emails: Queue },
  input: PlanInput,
): Promise<{ total: number; chunks: number; emailJobs: number }> {
  const size = input.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const scope = `incident:${input.incidentId}`;
  let total = 0;
  let chunk = 0;
  let buf: string[] = [];
  let emailsInChunk = 0;
  let emailJobs = 0;
  const pending: Array<{ name: string; data: ChunkJobData; opts: object }> = [];
  const pendingEmail: Array<{ name: string; data: ChunkJobData; opts: object }> = [];
  const addAll = async () => {
    // Email jobs first: a chunk's emails are never left unplanned behind its letters.
    if (pendingEmail.length) await queues.emails.addBulk(pendingEmail.splice(0) as never);
    if (pending.length) await queues.chunks.addBulk(pending.splice(0) as never);
  };
  const flush = async () => {
    if (buf.length === 0) return;
    const lines = buf;
    const emails = emailsInChunk;
    buf = [];
    emailsInChunk = 0;
    const ref = await artifacts.write(scope, asAsync([lines.join('')]));
    const data: ChunkJobData = {
      batchId: input.batchId,
      incidentId: input.incidentId,
      chunk,
      recipientsArtifact: ref.digest,
      contentArtifact: input.contentArtifact,
      letterDate: input.letterDate,
      creationDate: input.creationDate,
    };
    const opts = {
      jobId: chunkJobId(input.batchId, chunk),
      attempts: 20,
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: 7 * 86400 },
      removeOnFail: false,
    };
    pending.push({ name: 'deliver-chunk', data, opts });
    if (emails > 0) {
      pendingEmail.push({ name: 'send-emails', data, opts });
      emailJobs++;
    }
    chunk++;
    if (pending.length >= 100) await addAll();
  };
  for await (const p of artifacts.readNdjson<AffectedIndividual>(input.recipientsArtifact)) {
    if (!p || typeof p.id !== 'string') throw new Error(`recipients line ${total + 1}: not an affected-individual record`);
    buf.push(`${JSON.stringify(p)}\n`);
    if (planChannel(p).channel === 'email') emailsInChunk++;
    total++;
    if (buf.length >= size) await flush();
  }
  await flush();
  await addAll();
  await store.startRun(input.batchId, total, chunk, input.now);
  return { total, chunks: chunk, emailJobs };
}
