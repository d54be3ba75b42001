/**
 * `npm run bench -- scale [--letters N] [--chunk N] [--email-share F] [--rounds R]`
 *
 * Letters per second of a notice batch with one and with two notices worker processes on this
 * machine, sharing one Redis and one delivery store (the scaled-out worker role). Each run plans
 * a fresh batch of synthetic recipients (printed letters rendered to PDF and merged into print
 * files; with --email-share, that share gets emails sent to an in-process SMTP server), starts the
 * workers, releases the queue and times until every chunk has completed (after each worker's
 * first, warm-up chunk). Prints JSON lines {bench, ours, baseline, ratio}:
 * the one-worker rate is the baseline of the two-worker rate (target ratio ≥ 1.7). Each line also
 * gives the CPU cores the workers actually obtained and letters per CPU-second: on a machine busy
 * with other work the ratio follows the CPU share obtained, not the code.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from '../src/platform/ids';
import { SmtpSink } from '../test/integration/notices/smtp-sink';
import { planNoticeBatch, startNoticeWorker } from '../test/integration/scaleout/support/notice-batch';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`--${name}: expected a positive number\n`);
    process.exit(2);
  }
  return v;
}

const LETTERS = arg('letters', 4000);
const CHUNK = arg('chunk', 100);
// One- and two-worker runs alternate R times and the medians are compared, so load from other
// work on a shared machine hits both sides alike.
const ROUNDS = arg('rounds', 2);
// Letters only by default (rendering-bound, the part that needs more workers); emails go to an
// in-process SMTP server whose parsing would compete for the same cores.
const EMAIL_SHARE = Number(process.argv.includes('--email-share') ? process.argv[process.argv.indexOf('--email-share') + 1] : 0);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * CPU seconds used so far by the worker processes and their sandboxed children (Linux /proc;
 * null elsewhere). On a shared machine this tells how much CPU the workers actually got.
 */
function cpuSeconds(pids: number[]): number | null {
  try {
    let ticks = 0;
    for (const pid of pids) {
      let children: number[] = [];
      try {
        children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
          .split('\n')
          .map(Number)
          .filter(Boolean);
      } catch {
        /* no children yet */
      }
      for (const p of [pid, ...children]) {
        const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
        ticks += Number(fields[11]) + Number(fields[12]); // utime + stime
      }
    }
    return ticks / 100;
  } catch {
    return null;
  }
}

async function run(
  workers: number,
  sink: SmtpSink,
): Promise<{ seconds: number; perSecond: number; split: number[]; cores: number | null; perCpuSecond: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'safeharbor-bench-scale-'));
  const batch = await planNoticeBatch({
    dir,
    redisUrl: REDIS_URL,
    prefix: `sh-bench-scale-${uuidv7().slice(-12)}`,
    size: LETTERS,
    chunkSize: CHUNK,
    emailShare: EMAIL_SHARE,
    smtpUrl: `smtp://127.0.0.1:${sink.port}?ignoreTLS=true`,
  });
  const started = Array.from({ length: workers }, () => startNoticeWorker(batch.config));
  try {
    await Promise.all(started.map((w) => w.ready));
    // Warm-up: each worker's sandbox child loads fonts and templates on its first chunk. Give
    // every worker one warm-up chunk of its own before timing, so both runs measure steady state.
    const t0 = process.hrtime.bigint();
    await batch.release();
    let warmAt: bigint | null = null;
    let warmDone = 0;
    let warmCpu: number | null = null;
    const pids = started.map((w) => w.child.pid!);
    for (;;) {
      const done = await batch.completed();
      if (warmAt === null && started.every((w) => w.completedJobs.length > 0)) {
        warmAt = process.hrtime.bigint();
        warmDone = done;
        warmCpu = cpuSeconds(pids);
      }
      if (done >= batch.chunks) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const end = process.hrtime.bigint();
    const endCpu = cpuSeconds(pids);
    const from = warmAt ?? t0;
    const timedChunks = batch.chunks - (warmAt ? warmDone : 0);
    const seconds = Number(end - from) / 1e9;
    const letters = Math.min(LETTERS, timedChunks * CHUNK);
    const cpu = warmCpu !== null && endCpu !== null ? endCpu - warmCpu : null;
    return {
      seconds,
      perSecond: letters / seconds,
      split: started.map((w) => w.completedJobs.length),
      cores: cpu === null ? null : cpu / seconds,
      perCpuSecond: cpu ? letters / cpu : null,
    };
  } finally {
    await Promise.all(started.map((w) => w.stop()));
    await batch.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sink = await new SmtpSink().start();
  try {
    const ones: Array<Awaited<ReturnType<typeof run>>> = [];
    const twos: Array<Awaited<ReturnType<typeof run>>> = [];
    for (let r = 0; r < ROUNDS; r++) {
      ones.push(await run(1, sink));
      twos.push(await run(2, sink));
    }
    const one = median(ones.map((x) => x.perSecond));
    const two = median(twos.map((x) => x.perSecond));
    const line = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
    line({
      bench: 'scale: letters/s, 1 notices worker process',
      ours: round(one),
      baseline: round(one),
      ratio: 1,
      letters: LETTERS,
      chunk: CHUNK,
      samples: ones.map((x) => round(x.perSecond)),
      coresUsed: ones.map((x) => (x.cores === null ? null : round(x.cores))),
      lettersPerCpuSecond: ones.map((x) => (x.perCpuSecond === null ? null : round(x.perCpuSecond))),
    });
    line({
      bench: 'scale: letters/s, 2 notices worker processes (baseline: 1 worker; target ratio >= 1.7)',
      ours: round(two),
      baseline: round(one),
      ratio: round(two / one),
      letters: LETTERS,
      chunk: CHUNK,
      samples: twos.map((x) => round(x.perSecond)),
      coresUsed: twos.map((x) => (x.cores === null ? null : round(x.cores))),
      lettersPerCpuSecond: twos.map((x) => (x.perCpuSecond === null ? null : round(x.perCpuSecond))),
      chunksPerWorker: twos.map((x) => x.split),
    });
  } finally {
    await sink.stop();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
