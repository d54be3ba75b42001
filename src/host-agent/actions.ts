/**
 * What the agent does for each action of the closed list. Every executor returns evidence
 * (counts, digests, never file contents or key material) or throws an ActionError.
 */
import { randomBytes, createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, renameSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { isUnder, PathRefused, resolveInRoots } from './allowed-roots';
import {
  aeadOpen,
  aeadSeal,
  canonicalBytes,
  kekSealContext,
  openSealed,
  type AgentCommand,
  type ParamsOf,
  type SealedBox,
} from '../shared/agent-protocol';
import { encryptFile, readHeader } from './file-crypto';
import { fsyncDir, overwriteAndUnlink, shredTree, tempPathFor, writeFileAtomic } from './fs-safe';
import { runHostScan } from './scan';
import { agentTrust } from './trust';
import type { AgentState, DatasetState, GrantEntry, WrappedDek } from './state';

export const MANIFEST = '.safeharbor-manifest.json';
export const ENC_SUFFIX = '.shenc';

export class ActionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ActionError';
  }
}

export interface ExecContext {
  state: AgentState;
  agentId: string;
  now: () => Date;
  hostRoot: string;
  /** Real paths under which dataset actions may act (allowed-roots.ts). */
  allowedRoots: readonly string[];
  /** Told of every decrypt-gate decision (the running agent reports them to the service). */
  onGateDecision?: (d: { decision: 'allowed' | 'denied'; reason: string; datasetId: string | null; grantId: string | null }) => void;
}

export function loadKek(ctx: ExecContext, keyId: string, version: number): Buffer {
  const f = ctx.state.kekPath(keyId, version);
  if (!existsSync(f)) throw new ActionError('kek-missing', `key ${keyId} version ${version} is not held by this agent`);
  const box = JSON.parse(readFileSync(f, 'utf8')) as SealedBox;
  return openSealed(ctx.state.sealKey(), box, kekSealContext(ctx.agentId, keyId, version));
}

function acceptKek(ctx: ExecContext, keyId: string, version: number, sealed: SealedBox): Buffer {
  let kek: Buffer;
  try {
    kek = openSealed(ctx.state.sealKey(), sealed, kekSealContext(ctx.agentId, keyId, version));
  } catch {
    throw new ActionError('kek-unseal-failed', "the delivered key does not open with this agent's key");
  }
  if (kek.length !== 32) throw new ActionError('kek-invalid', 'key-encryption key must be 256 bits');
  ctx.state.storeSealedKek(keyId, version, sealed);
  return kek;
}

function dekAad(datasetId: string, fileId: string, keyId: string, v: number): Buffer {
  return Buffer.from(`dek|${datasetId}|${fileId}|${keyId}|${v}`);
}

export function unwrapDek(kek: Buffer, datasetId: string, e: WrappedDek): Buffer {
  return aeadOpen(kek, Buffer.from(e.w, 'base64'), dekAad(datasetId, e.fileId, e.keyId, e.v));
}

interface Walk {
  cleartext: string[];
  encrypted: string[];
  skipped: number;
}

export function walk(root: string, cleanTemps = true): Walk {
  const out: Walk = { cleartext: [], encrypted: [], skipped: 0 };
  const rec = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isDirectory()) rec(p);
      else if (!st.isFile()) out.skipped++;
      else if (dir === root && name === MANIFEST) continue;
      else if (name.includes(`${ENC_SUFFIX}.tmp-`)) {
        if (cleanTemps) overwriteAndUnlink(p); // a temp ciphertext from an interrupted run
      } else if (name.endsWith(ENC_SUFFIX)) out.encrypted.push(p);
      else out.cleartext.push(p);
    }
  };
  rec(root);
  return out;
}

/**
 * `reuseDigests`: after a re-wrap the ciphertext is unchanged, so entries whose size still
 * matches are taken from the previous manifest instead of re-hashing every byte.
 */
function writeManifest(ds: DatasetState, ctx: ExecContext, reuseDigests = false): { digest: string; files: number; bytes: number } {
  const w = walk(ds.path);
  const prev = new Map<string, { path: string; fileId: string; size: number; sha256: string }>();
  if (reuseDigests && existsSync(join(ds.path, MANIFEST))) {
    for (const f of (
      JSON.parse(readFileSync(join(ds.path, MANIFEST), 'utf8')) as {
        files: { path: string; fileId: string; size: number; sha256: string }[];
      }
    ).files)
      prev.set(f.path, f);
  }
  const files = w.encrypted.map((p) => {
    const old = prev.get(relative(ds.path, p));
    if (old && lstatSync(p).size === old.size) return old;
    const data = readFileSync(p);
    return {
      path: relative(ds.path, p),
      fileId: readHeader(p).fileId.toString('hex'),
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
    };
  });
  const manifest = {
    datasetId: ds.datasetId,
    keyId: ds.keyId,
    keyVersion: ds.keyVersion,
    writtenAt: ctx.now().toISOString(),
    cleartextFiles: w.cleartext.length,
    files,
  };
  const bytes = canonicalBytes(manifest);
  writeFileAtomic(join(ds.path, MANIFEST), bytes, 0o600);
  return { digest: createHash('sha256').update(bytes).digest('hex'), files: files.length, bytes: files.reduce((a, f) => a + f.size, 0) };
}

/** A path checked against the allowed roots, as an ActionError the service records. */
function inRoots(path: string, ctx: ExecContext): string {
  try {
    return resolveInRoots(path, ctx.allowedRoots);
  } catch (e) {
    if (e instanceof PathRefused) throw new ActionError(e.code, e.message);
    throw e;
  }
}

function resolveDatasetPath(path: string, ctx: ExecContext): string {
  const real = inRoots(path, ctx);
  if (!existsSync(real)) throw new ActionError('path-missing', 'dataset path does not exist');
  if (!lstatSync(real).isDirectory()) throw new ActionError('path-not-directory', 'dataset path is not a directory');
  const stateReal = realpathSync(ctx.state.dir);
  if (isUnder(stateReal, real) || isUnder(real, stateReal))
    throw new ActionError('key-not-apart', 'dataset path and agent key store overlap');
  return real;
}

export function datasetEncrypt(p: ParamsOf<'dataset.encrypt'>, ctx: ExecContext): Record<string, unknown> {
  const path = resolveDatasetPath(p.path, ctx);
  const existing = ctx.state.dataset(p.datasetId);
  if (existing && existing.path !== path)
    throw new ActionError('dataset-path-mismatch', 'dataset is registered on this host under another path');
  if (existing && existing.status === 'revoked')
    throw new ActionError('dataset-revoked', 'the key of this dataset was revoked on this host');
  if (existing && existing.keyId !== p.keyId)
    throw new ActionError('dataset-under-other-key', 'dataset is encrypted under another key: re-wrap instead');
  if (existing && p.keyVersion < existing.keyVersion)
    throw new ActionError('version-not-newer', 'dataset already uses a newer key version');
  for (const other of ctx.state.datasets()) {
    if (other.datasetId !== p.datasetId && (isUnder(path, other.path) || isUnder(other.path, path)))
      throw new ActionError('dataset-overlap', 'path overlaps another dataset on this host');
  }
  const kek = acceptKek(ctx, p.keyId, p.keyVersion, p.sealedKey);
  const ds: DatasetState = {
    datasetId: p.datasetId,
    path,
    keyId: p.keyId,
    keyVersion: p.keyVersion,
    status: 'encrypted',
    updatedAt: ctx.now().toISOString(),
  };
  ctx.state.writeDataset(ds);
  const w = walk(path);
  let encrypted = 0;
  let plainBytes = 0;
  try {
    for (const file of w.cleartext) {
      const target = file + ENC_SUFFIX;
      if (existsSync(target)) {
        // Interrupted earlier after the rename: the cleartext is still the source of truth.
        ctx.state.removeWrappedDek(p.datasetId, readHeader(target).fileId.toString('hex'));
      }
      const dek = randomBytes(32);
      const tmp = tempPathFor(target);
      try {
        const { fileId, plainSize } = encryptFile(file, tmp, dek);
        const fid = fileId.toString('hex');
        ctx.state.writeWrappedDek(p.datasetId, {
          fileId: fid,
          relPath: relative(path, target),
          keyId: p.keyId,
          v: p.keyVersion,
          w: aeadSeal(kek, dek, dekAad(p.datasetId, fid, p.keyId, p.keyVersion)).toString('base64'),
        });
        renameSync(tmp, target);
        fsyncDir(dirname(target));
        overwriteAndUnlink(file);
        fsyncDir(dirname(file));
        encrypted++;
        plainBytes += plainSize;
      } finally {
        dek.fill(0);
        if (existsSync(tmp)) overwriteAndUnlink(tmp);
      }
    }
  } finally {
    kek.fill(0);
  }
  const m = writeManifest(ds, ctx);
  const after = walk(path);
  return {
    datasetId: p.datasetId,
    keyId: p.keyId,
    keyVersion: p.keyVersion,
    filesEncrypted: encrypted,
    plaintextBytes: plainBytes,
    filesTotal: m.files,
    cleartextRemaining: after.cleartext.length,
    nonRegularSkipped: after.skipped,
    manifestDigest: m.digest,
    keyApart: true,
    algorithm: 'AES-256-GCM',
  };
}

export function keyRewrap(p: ParamsOf<'key.rewrap'>, ctx: ExecContext): Record<string, unknown> {
  const ds = ctx.state.dataset(p.datasetId);
  if (!ds) throw new ActionError('unknown-dataset', 'dataset is not encrypted on this host');
  if (ds.status === 'revoked') throw new ActionError('dataset-revoked', 'the key of this dataset was revoked on this host');
  if (ds.keyId !== p.keyId) throw new ActionError('dataset-under-other-key', 'dataset is not under this key');
  if (p.toVersion < ds.keyVersion) throw new ActionError('version-not-newer', 'dataset already uses a newer key version');
  inRoots(ds.path, ctx); // the manifest is written there: the path must still be inside, link-free
  const newKek = acceptKek(ctx, p.keyId, p.toVersion, p.sealedKey);
  const old = new Map<number, Buffer>();
  let rewrapped = 0;
  const fromVersions = new Set<number>();
  try {
    for (const e of ctx.state.wrappedDeks(p.datasetId)) {
      if (e.v === p.toVersion) continue;
      if (!old.has(e.v)) old.set(e.v, loadKek(ctx, e.keyId, e.v));
      const dek = unwrapDek(old.get(e.v)!, p.datasetId, e);
      ctx.state.writeWrappedDek(p.datasetId, {
        ...e,
        v: p.toVersion,
        w: aeadSeal(newKek, dek, dekAad(p.datasetId, e.fileId, p.keyId, p.toVersion)).toString('base64'),
      });
      dek.fill(0);
      fromVersions.add(e.v);
      rewrapped++;
    }
  } finally {
    newKek.fill(0);
    for (const k of old.values()) k.fill(0);
  }
  const next: DatasetState = { ...ds, keyVersion: p.toVersion, updatedAt: ctx.now().toISOString() };
  ctx.state.writeDataset(next);
  const m = writeManifest(next, ctx, true);
  return {
    datasetId: p.datasetId,
    keyId: p.keyId,
    toVersion: p.toVersion,
    fromVersions: [...fromVersions].sort((a, b) => a - b),
    rewrapped,
    filesTotal: m.files,
    manifestDigest: m.digest,
    fileCiphertextRewritten: 0,
  };
}

export function keyRevoke(p: ParamsOf<'key.revoke'>, ctx: ExecContext): Record<string, unknown> {
  const datasets: string[] = [];
  let wrapped = 0;
  for (const ds of ctx.state.datasets()) {
    if (ds.keyId !== p.keyId) continue;
    wrapped += shredTree(ctx.state.keyringDir(ds.datasetId), false);
    ctx.state.writeDataset({ ...ds, status: 'revoked', updatedAt: ctx.now().toISOString() });
    datasets.push(ds.datasetId);
  }
  const versions = shredTree(ctx.state.p('keys', p.keyId), true);
  return { keyId: p.keyId, datasets: datasets.sort(), wrappedDeksDestroyed: wrapped, kekVersionsDestroyed: versions };
}

export function datasetShred(p: ParamsOf<'dataset.shred'>, ctx: ExecContext): Record<string, unknown> {
  const ds = ctx.state.dataset(p.datasetId);
  if (!ds) throw new ActionError('unknown-dataset', 'dataset is not known on this host');
  // Checked before anything is destroyed: a dataset folder swapped for a link is never followed.
  const inside = existsSync(ds.path) ? inRoots(ds.path, ctx) : null;
  const wrapped = shredTree(ctx.state.keyringDir(p.datasetId), false);
  const files = inside ? shredTree(inside, false) : 0;
  const grantsFile = ctx.state.p('grants', `${p.datasetId}.json`);
  if (existsSync(grantsFile)) overwriteAndUnlink(grantsFile);
  shredTree(ctx.state.p('datasets', p.datasetId), true);
  return { datasetId: p.datasetId, wrappedDeksDestroyed: wrapped, filesDestroyed: files };
}

export function accessApply(p: ParamsOf<'access.apply'>, ctx: ExecContext): Record<string, unknown> {
  const now = ctx.now().getTime();
  const accepted: GrantEntry[] = [];
  const rejected: { grantId: string; reason: string }[] = [];
  for (const g of p.grants) {
    if (g.principal === 'root' || g.principal === 'admin') rejected.push({ grantId: g.grantId, reason: 'privileged-principal' });
    else if (Date.parse(g.expiresAt) <= now) rejected.push({ grantId: g.grantId, reason: 'expired' });
    else accepted.push(g);
  }
  ctx.state.writeGrants(p.datasetId, accepted);
  return { datasetId: p.datasetId, activeGrants: accepted.length, rejected };
}

export function accessRevoke(p: ParamsOf<'access.revoke'>, ctx: ExecContext): Record<string, unknown> {
  const before = ctx.state.grants(p.datasetId);
  const after = before.filter((g) => g.grantId !== p.grantId);
  ctx.state.writeGrants(p.datasetId, after);
  return { datasetId: p.datasetId, grantId: p.grantId, removed: before.length !== after.length, activeGrants: after.length };
}

export function execute(cmd: AgentCommand, ctx: ExecContext): Record<string, unknown> {
  const params = cmd.params as never;
  switch (cmd.action) {
    case 'dataset.encrypt':
      return datasetEncrypt(params, ctx);
    case 'key.rewrap':
      return keyRewrap(params, ctx);
    case 'key.revoke':
      return keyRevoke(params, ctx);
    case 'dataset.shred':
      return datasetShred(params, ctx);
    case 'access.apply':
      return accessApply(params, ctx);
    case 'access.revoke':
      return accessRevoke(params, ctx);
    case 'host.scan':
      return runHostScan(params, ctx);
    case 'agent.trust':
      return agentTrust(params, ctx);
  }
}
