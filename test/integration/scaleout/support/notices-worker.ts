/**
 * A notices worker process for scale-out tests and `npm run bench -- scale`: a BullMQ worker on
 * the notice-chunk queue whose jobs render and send in sandboxed child processes (as the worker
 * role runs them). Prints "ready" once listening; SIGTERM closes it after the running chunk.
 * Config comes through the environment (paths, Redis), never job payloads.
 */
import { Worker } from 'bullmq';
import IORedis from 'ioredis';
import { CHUNK_QUEUE } from '../../../../src/notices/delivery/planner';
import { chunkProcessorFile, sandboxOptions, type ChunkWorkerConfig } from '../../../../src/notices/jobs/chunk-worker-config';

const config = JSON.parse(process.env.SCALE_CHUNK_CONFIG!) as ChunkWorkerConfig;
const connection = new IORedis(config.redisUrl, { maxRetriesPerRequest: null });
const worker = new Worker(CHUNK_QUEUE, chunkProcessorFile(), {
  connection,
  prefix: config.redisPrefix,
  concurrency: Number(process.env.SCALE_CONCURRENCY ?? 1),
  ...sandboxOptions(config),
});
let done = 0;
worker.on('completed', (job) => {
  done += 1;
  process.stdout.write(`completed ${job.id} ${done}\n`);
});
worker.on('failed', (job, err) => process.stderr.write(`job ${job?.id} failed: ${err.message}\n`));
void worker.waitUntilReady().then(() => process.stdout.write('ready\n'));
const stop = async () => {
  await worker.close();
  connection.disconnect();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
