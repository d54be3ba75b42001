/**
 * A notices worker process for the crash test: a BullMQ worker on the chunk queue whose jobs
 * run in sandboxed child processes. Started detached so the test can SIGKILL the whole
 * process group (the worker and its sandbox children), like a machine losing power.
 */
import { Worker } from 'bullmq';
import IORedis from 'ioredis';
import { CHUNK_QUEUE } from '../../../src/notices/delivery/planner';
import { chunkProcessorFile, sandboxOptions, type ChunkWorkerConfig } from '../../../src/notices/jobs/chunk-worker-config';

const config = JSON.parse(process.env.TEST_CHUNK_CONFIG!) as ChunkWorkerConfig;
const connection = new IORedis(config.redisUrl, { maxRetriesPerRequest: null });
const worker = new Worker(CHUNK_QUEUE, chunkProcessorFile(), {
  connection,
  prefix: config.redisPrefix,
  concurrency: Number(process.env.TEST_CONCURRENCY ?? 2),
  lockDuration: 4000,
  stalledInterval: 1500,
  maxStalledCount: 10,
  ...sandboxOptions(config),
});
worker.on('failed', (job, err) => process.stderr.write(`job ${job?.id} failed: ${err.message}\n`));
process.stdout.write('ready\n');
const stop = async () => {
  await worker.close();
  connection.disconnect();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
