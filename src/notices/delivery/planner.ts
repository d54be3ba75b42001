/**
 * Splits a released batch into chunk jobs: the recipients artifact is streamed once and cut
 * into chunk artifacts of `chunkSize` records (encrypted, content-addressed); one BullMQ job
 * per chunk with the deterministic id `<batchId>.<chunk>`, so re-planning after a crash adds
 * nothing twice. Job data: ids and digests only.
 */
import type { Queue } from 'bullmq';
import type { AffectedIndividual } from '../../incidents';
import type { ArtifactStore } from '../../phi';
import { asAsync, type ChunkJobData } from './chunk-runner';
import type { DeliveryStore } from './delivery-store';

export const CHUNK_QUEUE = 'notices-chunks';
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
  queue: Queue,
  input: PlanInput,
): Promise<{ total: number; chunks: number }> {
  const size = input.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const scope = `incident:${input.incidentId}`;
  let total = 0;
  let chunk = 0;
  let buf: string[] = [];
  const pending: Array<{ name: string; data: ChunkJobData; opts: object }> = [];
  const flush = async () => {
    if (buf.length === 0) return;
    const lines = buf;
    buf = [];
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
    pending.push({
      name: 'deliver-chunk',
      data,
      opts: {
        jobId: chunkJobId(input.batchId, chunk),
        attempts: 20,
        backoff: { type: 'exponential', delay: 2000 },
        removeOnComplete: { age: 7 * 86400 },
        removeOnFail: false,
      },
    });
    chunk++;
    if (pending.length >= 100) await queue.addBulk(pending.splice(0) as never);
  };
  for await (const p of artifacts.readNdjson<AffectedIndividual>(input.recipientsArtifact)) {
    if (!p || typeof p.id !== 'string') throw new Error(`recipients line ${total + 1}: not an affected-individual record`);
    buf.push(`${JSON.stringify(p)}\n`);
    total++;
    if (buf.length >= size) await flush();
  }
  await flush();
  if (pending.length) await queue.addBulk(pending.splice(0) as never);
  await store.startRun(input.batchId, total, chunk, input.now);
  return { total, chunks: chunk };
}
