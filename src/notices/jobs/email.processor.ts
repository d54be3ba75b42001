/**
 * BullMQ sandboxed processor for the `notices-email` queue (issue 15 item 2): sends one chunk's
 * emails in its own child process, apart from rendering. The email rate limit (Redis token
 * bucket shared by every worker, NOTICES_EMAIL_RATE over SMTP; none for the outbox folder) is
 * applied here and only here. The SMTP pool, templates and the vault are built once per child.
 */
import type { SandboxedJob } from 'bullmq';
import IORedis from 'ioredis';
import type { ChunkJobData } from '../delivery/chunk-runner';
import { HttpRelayLogResolver, runEmails, type EmailDeps, type EmailResult } from '../delivery/email-runner';
import { mailerFromConfig } from '../email/mail-config';
import { processorBase } from './processor-deps';

let deps: EmailDeps | null = null;

function build(): EmailDeps {
  const { config, store, artifacts, templates, clock } = processorBase('email worker');
  const redis = config.emailRatePerSecond > 0 ? new IORedis(config.redisUrl, { maxRetriesPerRequest: 3 }) : null;
  return {
    store,
    artifacts,
    templates,
    mailer: mailerFromConfig(config, redis),
    inDoubt: config.relayLogUrl ? new HttpRelayLogResolver(config.relayLogUrl) : null,
    inDoubtPolicy: config.inDoubtPolicy,
    clock,
    emailConcurrency: config.emailConcurrency,
  };
}

export default async function processEmails(job: SandboxedJob<ChunkJobData>): Promise<EmailResult> {
  if (!deps) deps = build();
  let last = 0;
  return runEmails(job.data, {
    ...deps,
    onProgress: async (done, total) => {
      if (done === total || done - last >= 50) {
        last = done;
        await job.updateProgress({ done, total });
      }
    },
  });
}
