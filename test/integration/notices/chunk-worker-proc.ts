/**
 * A notices worker process for the crash test: BullMQ workers on the chunk queue (letters) and
 * the email queue (a chunk's emails), whose jobs run in sandboxed child processes, as the worker
 * role runs them. Started detached so the test can SIGKILL the whole process group (the workers
 * and their sandbox children), like a machine losing power.
 */
import { Worker } from 'bullmq';
import IORedis from 'ioredis';
import { CHUNK_QUEUE, EMAIL_QUEUE } from '../../../src/notices/delivery/planner';
import {
  chunkProcessorFile,
  emailProcessorFile,
  sandboxOptions,
  type ChunkWorkerConfig,
} from '../../../src/notices/jobs/chunk-worker-config';

const config = JSON.parse(process.env.TEST_CHUNK_CONFIG!) as ChunkWorkerConfig;
const connection = new IORedis(config.redisUrl, { maxRetriesPerRequest: null });
const options = {
  connection,
  prefix: config.redisPrefix,
  concurrency: Number(process.env.TEST_CONCURRENCY ?? 2),
  lockDuration: 4000,
  stalledInterval: 1500,
  maxStalledCount: 10,
  ...sandboxOptions(config),
};
const workers = [new Worker(CHUNK_QUEUE, chunkProcessorFile(), options), new Worker(EMAIL_QUEUE, emailProcessorFile(), options)];
for (const w of workers) w.on('failed', (job, err) => process.stderr.write(`job ${job?.id} failed: ${err.message}\n`));
process.stdout.write('ready\n');
const stop = async () => {
  await Promise.all(workers.map((w) => w.close()));
  connection.disconnect();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
