/**
 * Host agent throughput: dataset.encrypt on real files (per-file data key, chunked AES-256-GCM,
 * temp + fsync + rename + overwrite/unlink of the cleartext) versus the raw baseline of
 * AES-256-GCM-encrypting the same bytes into new files with one fsync each; and key.rewrap
 * (data keys only) versus re-encrypting the data. Prints JSON lines {bench, ours, baseline, ratio}.
 *   npm run bench -- host-agent [--files 200] [--kib 256]
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../src/platform/clock';
import { AgentState } from '../src/host-agent/state';
import { HostAgent } from '../src/host-agent/agent';
import { newKek, sealKek, TestIssuer } from '../test/integration/host-agent/fixtures';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const files = arg('files', 200);
const kib = arg('kib', 256);
const root = mkdtempSync(join(tmpdir(), 'sh-bench-agent-'));
const line = (bench: string, ours: number, baseline: number, unit: string) =>
  process.stdout.write(
    JSON.stringify({ bench, unit, ours: +ours.toFixed(2), baseline: +baseline.toFixed(2), ratio: +(ours / baseline).toFixed(3) }) + '\n',
  );

function makeData(dir: string) {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(dir, `f${i}.bin`), randomBytes(kib * 1024));
}

try {
  const data = join(root, 'phi');
  makeData(data);
  const base = join(root, 'baseline');
  makeData(base);
  const mib = (files * kib) / 1024;

  const issuer = new TestIssuer('bench');
  const state = AgentState.init(join(root, 'state'), 'bench');
  state.pinService(issuer.service.publicKey);
  const clock = new FakeClock(new Date().toISOString());
  const agent = new HostAgent(state, clock);
  const pub = state.publicInfo();

  let t0 = process.hrtime.bigint();
  agent.handle(
    issuer.command(
      'dataset.encrypt',
      { datasetId: 'ds', path: data, keyId: 'k', keyVersion: 1, sealedKey: sealKek(pub.sealPublicKey, 'bench', 'k', 1, newKek()) },
      clock.now(),
    ),
  );
  const oursEnc = Number(process.hrtime.bigint() - t0) / 1e9;

  t0 = process.hrtime.bigint();
  const key = randomBytes(32);
  for (const n of readdirSync(base)) {
    const buf = readFileSync(join(base, n));
    const c = createCipheriv('aes-256-gcm', key, randomBytes(12));
    const out = Buffer.concat([c.update(buf), c.final(), c.getAuthTag()]);
    const fd = openSync(join(base, `${n}.enc`), 'w');
    writeSync(fd, out);
    fsyncSync(fd);
    closeSync(fd);
  }
  const baseEnc = Number(process.hrtime.bigint() - t0) / 1e9;
  line('host-agent.encrypt MiB/s (safe replace vs raw encrypt+fsync)', mib / oursEnc, mib / baseEnc, 'MiB/s');

  t0 = process.hrtime.bigint();
  agent.handle(
    issuer.command(
      'key.rewrap',
      { datasetId: 'ds', keyId: 'k', toVersion: 2, sealedKey: sealKek(pub.sealPublicKey, 'bench', 'k', 2, newKek()) },
      clock.now(),
    ),
  );
  const oursRewrap = Number(process.hrtime.bigint() - t0) / 1e9;
  line('host-agent.rotate seconds (rewrap data keys vs re-encrypt all data)', oursRewrap, baseEnc, 's');
} finally {
  rmSync(root, { recursive: true, force: true });
}
