/**
 * Benchmark: affected-individuals import of N generated rows (default 1 000 000) against raw
 * csv-parse of the same file in the same run (target: ours ≥ 40% of raw rows/s), with the
 * peak resident memory of the import. Prints JSON lines {bench, ours, baseline, ratio, ...}.
 *
 *   npm run bench -- import            (N from BENCH_IMPORT_ROWS or argv, default 1e6)
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { importAffectedIndividuals } from '../src/incidents/import/affected-import';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parse } = require('csv-parse') as { parse: (o: Record<string, unknown>) => NodeJS.ReadWriteStream };

const STATES = ['CA', 'TX', 'FL', 'NY', 'PA', 'IL', 'OH', 'GA', 'NC', 'MI', 'WA', 'CO', 'VT', 'CT', 'PR', 'DC'];
const HEADER =
  'name,line1,line2,city,state,zip,email,emailConsent,deceased,nextOfKinName,nextOfKinLine1,nextOfKinLine2,nextOfKinCity,nextOfKinState,nextOfKinZip\n';

/** Deterministic synthetic rows: ~2% duplicates, ~1% invalid, some quoted fields, emails, deceased. */
async function generate(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  let buf = HEADER;
  let seed = 42;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 8;
  };
  for (let i = 0; i < rows; i++) {
    const r = rnd();
    const n = r % 50 === 0 && i > 0 ? i - 1 - (r % Math.min(i, 1000)) : i; // duplicate of a recent person
    const st = STATES[n % STATES.length];
    const zip = String(10000 + (n % 89999)).padStart(5, '0');
    const bad = r % 100 === 7;
    const quoted = n % 17 === 0;
    const name = quoted ? `"Surname${n}, Given${n % 977}"` : `Given${n % 977} Surname${n}`;
    const email = n % 5 === 0 ? `p${n}@example.org` : '';
    const consent = email && n % 10 === 0 ? 'yes' : '';
    const noAddress = n % 97 === 0;
    const deceased = n % 211 === 0 ? 'y' : '';
    const nok = deceased && n % 2 === 0 ? `Kin${n},${n % 900} Elm Rd,,Springfield,${st},${zip}` : ',,,,,';
    buf += `${name},${noAddress ? '' : `${n % 9000} Main St`},${n % 3 === 0 ? 'Apt 2' : ''},City${n % 300},${bad ? 'ZZ' : st},${noAddress ? '' : zip},${email},${consent},${deceased},${nok}\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

async function rawCsvParse(path: string): Promise<number> {
  let n = 0;
  const counter = new Writable({
    objectMode: true,
    write(_r, _e, cb) {
      n++;
      cb();
    },
  });
  await pipeline(createReadStream(path), parse({ bom: true, relax_column_count: true, skip_empty_lines: true }) as never, counter);
  return n - 1;
}

async function main(): Promise<void> {
  const rows = Number(process.env.BENCH_IMPORT_ROWS ?? process.argv[2] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
  try {
    const csv = join(dir, 'affected.csv');
    await generate(csv, rows);
    const size = statSync(csv).size;

    // Warm-up (not measured): both sides run once on a 50 000-row prefix so JIT compilation is
    // not charged to whichever runs first.
    const warm = join(dir, 'warm.csv');
    await generate(warm, Math.min(50_000, rows));
    await rawCsvParse(warm);
    await importAffectedIndividuals({
      input: createReadStream(warm),
      output: createWriteStream(join(dir, 'warm.ndjson')),
      report: createWriteStream(join(dir, 'warm.report')),
      idKey: Buffer.alloc(32, 1),
    });

    // Other processes share the CPU: baseline and ours alternate over a few rounds and the
    // median of the per-round ratios is reported (each round measures both under similar load).
    const rounds = Math.max(1, Number(process.env.BENCH_IMPORT_ROUNDS ?? 3));
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
    const oursRates: number[] = [];
    const baseRates: number[] = [];
    let peakRss = 0;
    let peakHeap = 0;
    let rssBefore = 0;
    let summary!: Awaited<ReturnType<typeof importAffectedIndividuals>>;
    let rawSec = 0;
    let oursSec = 0;
    for (let r = 0; r < rounds; r++) {
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      const rawRows = await rawCsvParse(csv);
      const rawCpu = cpuSeconds(process.cpuUsage(c0));
      rawSec = Number(process.hrtime.bigint() - t0) / 1e9;

      (global as { gc?: () => void }).gc?.();
      rssBefore = process.memoryUsage().rss;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        if (m.rss > peakRss) peakRss = m.rss;
        if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
      }, 25);
      const t1 = process.hrtime.bigint();
      const c1 = process.cpuUsage();
      summary = await importAffectedIndividuals({
        input: createReadStream(csv),
        output: createWriteStream(join(dir, 'affected.ndjson')),
        report: createWriteStream(join(dir, 'report.ndjson')),
        idKey: Buffer.alloc(32, 1),
      });
      oursSec = Number(process.hrtime.bigint() - t1) / 1e9;
      const oursCpu = cpuSeconds(process.cpuUsage(c1));
      cpuRatios.push(summary.rows / oursCpu / (rawRows / rawCpu));
      clearInterval(sampler);
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
      oursRates.push(summary.rows / oursSec);
      baseRates.push(rawRows / rawSec);
      ratios.push(summary.rows / oursSec / (rawRows / rawSec));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

    const ours = Math.round(median(oursRates));
    const baseline = Math.round(median(baseRates));
    const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
    console.log(
      JSON.stringify({
        bench: 'import',
        unit: 'rows/s',
        ours,
        baseline,
        ratio: Math.round(median(ratios) * 1000) / 1000,
        rounds,
        ratios: ratios.map((x) => Math.round(x * 1000) / 1000),
        // The same ratio by CPU time of this process (insensitive to other processes on a shared machine).
        cpuRatio: Math.round(median(cpuRatios) * 1000) / 1000,
        cpuRatios: cpuRatios.map((x) => Math.round(x * 1000) / 1000),
        target: 0.4,
        rows: summary.rows,
        fileMb: mb(size),
        accepted: summary.accepted,
        duplicates: summary.duplicates,
        rejected: summary.rejected,
        insufficientContact: summary.insufficientContact,
        lastRoundSeconds: { ours: Math.round(oursSec * 100) / 100, baseline: Math.round(rawSec * 100) / 100 },
        peakRssMb: mb(peakRss),
        rssBeforeImportMb: mb(rssBefore),
        peakHeapUsedMb: mb(peakHeap),
        maxRssProcessMb: mb(process.resourceUsage().maxRSS * 1024),
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
