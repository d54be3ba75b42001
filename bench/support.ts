/** Shared helpers for benchmarks: each prints JSON lines {bench, ours, baseline, ratio, unit}. */
export function report(bench: string, ours: number, baseline: number, unit: string, extra: Record<string, unknown> = {}): void {
  const ratio = baseline === 0 ? null : Number((ours / baseline).toFixed(3));
  process.stdout.write(JSON.stringify({ bench, ours: round(ours), baseline: round(baseline), ratio, unit, ...extra }) + '\n');
}

export function round(n: number): number {
  return Number(n.toFixed(n < 10 ? 4 : 1));
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
