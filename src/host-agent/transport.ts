/**
 * The agent's side of BullMQ. Redis is not trusted: every job is handed to HostAgent.handle,
 * which verifies before it parses; results and heartbeats go back signed. The processor never
 * throws, so a hostile job cannot make BullMQ retry it forever; it is refused and reported.
 */
import { Queue, Worker, type Job, type JobJson } from 'bullmq';
import IORedis from 'ioredis';
import { agentQueueName, RESULTS_QUEUE, payloadDigest, type SignedMessage } from '../shared/agent-protocol';
import type { HostAgent } from './agent';

/** Marks a job whose data Redis handed over as something other than JSON. */
export const UNREADABLE_JOB = '$unreadable-job';

/**
 * BullMQ parses a job's data (and options) before any processor runs: data that is not JSON
 * throws there, the job never reaches the agent, is never answered and stays active. Such data
 * is replaced by a marker the agent refuses and reports like any other hostile job.
 */
export function readableJobJson(raw: JobJson): JobJson {
  const parses = (v: unknown) => {
    if (typeof v !== 'string' || v === '') return true;
    try {
      JSON.parse(v);
      return true;
    } catch {
      return false;
    }
  };
  const out = { ...raw };
  if (!parses(raw.data)) out.data = JSON.stringify({ [UNREADABLE_JOB]: true, bytes: String(raw.data).length });
  if (!parses(raw.opts)) (out as { opts: unknown }).opts = '{}';
  return out;
}

class AgentWorker extends Worker {
  protected override createJob(data: JobJson, jobId: string) {
    return super.createJob(readableJobJson(data), jobId);
  }
}

export interface TransportOptions {
  redisUrl: string;
  prefix?: string;
  heartbeatSeconds?: number;
  log?: (line: Record<string, unknown>) => void;
}

export class AgentTransport {
  private worker?: Worker;
  private results?: Queue;
  private timer?: NodeJS.Timeout;
  private conns: IORedis[] = [];

  constructor(
    private readonly agent: HostAgent,
    private readonly opts: TransportOptions,
  ) {}

  private conn(): IORedis {
    const c = new IORedis(this.opts.redisUrl, { maxRetriesPerRequest: null });
    this.conns.push(c);
    return c;
  }

  async start(): Promise<void> {
    const prefix = this.opts.prefix ?? 'bull';
    this.results = new Queue(RESULTS_QUEUE, { connection: this.conn(), prefix });
    const log = this.opts.log ?? (() => undefined);
    this.worker = new AgentWorker(
      agentQueueName(this.agent.agentId),
      async (job: Job) => {
        const unreadable = typeof job.data === 'object' && job.data !== null && UNREADABLE_JOB in job.data;
        const signed = unreadable ? this.agent.refuseUnreadable(job.id ?? null) : this.agent.handle(job.data, job.id ?? null);
        await this.results!.add('result', signed, {
          jobId: `r-${payloadDigest(signed).slice(0, 40)}`,
          removeOnComplete: 1000,
          removeOnFail: 5000,
        });
        log({ msg: 'command handled', jobId: job.id, digest: payloadDigest(signed) });
        return { reported: true };
      },
      { connection: this.conn(), prefix, concurrency: 1, lockDuration: 10 * 60 * 1000, maxStalledCount: 100 },
    );
    this.worker.on('error', (e) => log({ msg: 'worker error', error: e.message }));
    await this.worker.waitUntilReady();
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch(() => undefined), (this.opts.heartbeatSeconds ?? 30) * 1000);
  }

  async beat(): Promise<void> {
    const hb = this.agent.heartbeat();
    await this.results!.add('heartbeat', hb, { removeOnComplete: 100, removeOnFail: 100 });
  }

  /** A signed decrypt-gate decision, on the results queue like everything the agent reports. */
  async report(msg: SignedMessage): Promise<void> {
    await this.results!.add('access', msg, { jobId: `a-${payloadDigest(msg).slice(0, 40)}`, removeOnComplete: 1000, removeOnFail: 5000 });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.worker?.close();
    await this.results?.close();
    for (const c of this.conns) c.disconnect();
  }
}
