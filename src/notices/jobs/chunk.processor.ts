/**
 * BullMQ sandboxed processor: runs in its own child process, so rendering PDFs never blocks the
 * parent's event loop and job-lock renewal. Dependencies (fonts, templates, the vault) are built
 * once per child and reused for every chunk it processes. It sends no email: a chunk's emails are
 * a job on the email queue (email.processor.ts), so rendering never waits on the email rate limit.
 */
import type { SandboxedJob } from 'bullmq';
import { runChunk, type ChunkDeps, type ChunkJobData, type ChunkResult } from '../delivery/chunk-runner';
import { LetterPdfRenderer, workerFonts } from '../rendering/letter-pdf';
import { processorBase } from './processor-deps';

let deps: ChunkDeps | null = null;

function build(): ChunkDeps {
  const { config, store, artifacts, templates, clock } = processorBase('chunk worker');
  return {
    store,
    artifacts,
    templates,
    renderer: new LetterPdfRenderer(workerFonts()),
    clock,
    duplex: config.duplex,
    ...(config.imb ? { imb: config.imb } : {}),
  };
}

export default async function processChunk(job: SandboxedJob<ChunkJobData>): Promise<ChunkResult> {
  if (!deps) deps = build();
  let last = 0;
  return runChunk(job.data, {
    ...deps,
    onProgress: async (done, total) => {
      if (done === total || done - last >= 50) {
        last = done;
        await job.updateProgress({ done, total });
      }
    },
  });
}
