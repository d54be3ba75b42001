/**
 * A notices worker process for scale-out tests and `npm run bench -- scale`: a BullMQ worker on
 * the notice-chunk queue whose jobs render in sandboxed child processes, and one on the email
 * queue whose jobs send a chunk's emails (as the worker role runs them; "completed" lines are
 * printed for chunks only). Prints "ready" once listening; SIGTERM closes it after the running chunk.
 * Config comes through the environment (paths, Redis), never job payloads.
 */
import { Worker } from 'bullmq';
import IORedis from 'ioredis';
import { CHUNK_QUEUE, EMAIL_QUEUE } from '../../../../src/notices/delivery/planner';
import {
  chunkProcessorFile,
  emailProcessorFile,
  sandboxOptions,
  type ChunkWorkerConfig,
} from '../../../../src/notices/jobs/chunk-worker-config';

const config = JSON.parse(process.env.SCALE_CHUNK_CONFIG!) as ChunkWorkerConfig;
const connection = new IORedis(config.redisUrl, { maxRetriesPerRequest: null });
const worker = new Worker(CHUNK_QUEUE, chunkProcessorFile(), {
  connection,
  prefix: config.redisPrefix,
  concurrency: Number(process.env.SCALE_CONCURRENCY ?? 1),
  ...sandboxOptions(config),
});
const emails = new Worker(EMAIL_QUEUE, emailProcessorFile(), {
  connection,
  prefix: config.redisPrefix,
  concurrency: 1,
  ...sandboxOptions(config),
});
emails.on('failed', (job, err) => process.stderr.write(`email job ${job?.id} failed: ${err.message}\n`));
let done = 0;
worker.on('completed', (job) => {
  done += 1;
  process.stdout.write(`completed ${job.id} ${done}\n`);
});
worker.on('failed', (job, err) => process.stderr.write(`job ${job?.id} failed: ${err.message}\n`));
void worker.waitUntilReady().then(() => process.stdout.write('ready\n'));
const stop = async () => {
  await Promise.all([worker.close(), emails.close()]);
  connection.disconnect();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
