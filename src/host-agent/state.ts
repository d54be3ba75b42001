/**
 * The agent's state directory (root only, 0700; every file 0600):
 *   config.json            agent id, pinned service keys, allow-list, pinned approver keys
 *   signing.pem, seal.pem  the agent's Ed25519 and X25519 private keys
 *   seq.json               last executed seq (written durably before executing)
 *   done/<commandId>.json  the signed result of every executed command (resent on redelivery)
 *   inflight/<commandId>   marker while a command runs (a crash turns it into a failed result)
 *   keys/<keyId>/v<n>.json key-encryption key versions, sealed to this agent's X25519 key
 *   datasets/<id>/dataset.json, datasets/<id>/keyring/<fileId>.json  (DEKs wrapped by the KEK)
 *   grants/<datasetId>.json  active access grants the decrypt gate enforces
 */
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, writeSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import {
  ACTIONS,
  DEFAULT_ALLOW_LIST,
  DEFAULT_SKEW_MS,
  firstIssue,
  idSchema,
  type Action,
  generateSealKeyPair,
  generateSigningKeyPair,
  keyIdOf,
  privateKeyFromPem,
  publicKeyFromB64,
  type SignedMessage,
} from '../shared/agent-protocol';
import { ensureDir, overwriteAndUnlink, writeFileAtomic } from './fs-safe';

const pinnedKey = z.strictObject({ kid: z.string().regex(/^[0-9a-f]{16}$/), publicKey: z.string().min(40).max(200) });
export const agentConfigSchema = z.strictObject({
  agentId: idSchema,
  serviceKeys: z.array(pinnedKey).max(4),
  allowList: z.array(z.enum(ACTIONS)),
  approvers: z.record(z.string(), pinnedKey),
  skewMs: z.number().int().min(0).max(300_000),
  redisUrl: z.string().optional(),
  queuePrefix: z.string().optional(),
  heartbeatSeconds: z.number().int().min(1).max(3600).optional(),
  /** Where host.scan looks for /etc and /proc (tests point it at a fixture tree). */
  hostRoot: z.string().optional(),
  /** Real paths under which dataset actions may act; empty means none (see allowed-roots.ts). */
  allowedRoots: z.array(z.string().min(1)).max(64).default([]),
  serviceUrl: z.string().optional(),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;

export interface DatasetState {
  datasetId: string;
  path: string;
  keyId: string;
  keyVersion: number;
  status: 'encrypted' | 'revoked';
  updatedAt: string;
}

export interface WrappedDek {
  fileId: string;
  relPath: string;
  keyId: string;
  v: number;
  /** AES-256-GCM(KEK v, DEK), base64: nonce || ct || tag. */
  w: string;
}

export interface GrantEntry {
  grantId: string;
  principal: string;
  permission: 'read' | 'write';
  expiresAt: string;
}

export class AgentState {
  constructor(readonly dir: string) {}

  static init(dir: string, agentId: string, opts: Partial<AgentConfig> = {}): AgentState {
    ensureDir(dir, 0o700);
    chmodSync(dir, 0o700);
    const s = new AgentState(dir);
    if (existsSync(s.p('config.json'))) throw new Error(`agent state already initialized in ${dir}`);
    const signing = generateSigningKeyPair();
    const seal = generateSealKeyPair();
    writeFileAtomic(s.p('signing.pem'), signing.privateKeyPem, 0o600);
    writeFileAtomic(s.p('seal.pem'), seal.privateKeyPem, 0o600);
    writeFileAtomic(
      s.p('public.json'),
      JSON.stringify({ signingPublicKey: signing.publicKey, sealPublicKey: seal.publicKey, kid: keyIdOf(signing.publicKey) }),
      0o600,
    );
    const config: AgentConfig = {
      agentId,
      serviceKeys: [],
      allowList: [...DEFAULT_ALLOW_LIST],
      approvers: {},
      skewMs: DEFAULT_SKEW_MS,
      allowedRoots: [],
      ...opts,
    };
    s.writeConfig(config);
    s.writeLastSeq(0);
    return s;
  }

  p(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  config(): AgentConfig {
    const parsed = agentConfigSchema.safeParse(JSON.parse(readFileSync(this.p('config.json'), 'utf8')));
    if (!parsed.success) throw new Error(`agent config invalid: ${firstIssue(parsed.error)}`);
    return parsed.data;
  }

  writeConfig(c: AgentConfig): void {
    writeFileAtomic(this.p('config.json'), JSON.stringify(c, null, 2), 0o600);
  }

  publicInfo(): { signingPublicKey: string; sealPublicKey: string; kid: string } {
    return JSON.parse(readFileSync(this.p('public.json'), 'utf8'));
  }

  signingKey(): KeyObject {
    return privateKeyFromPem(readFileSync(this.p('signing.pem'), 'utf8'), 'ed25519');
  }

  sealKey(): KeyObject {
    return privateKeyFromPem(readFileSync(this.p('seal.pem'), 'utf8'), 'x25519');
  }

  pinService(publicKeyB64: string): string {
    const { config, kid } = withServiceKey(this.config(), publicKeyB64);
    this.writeConfig(config);
    return kid;
  }

  pinApprover(approverId: string, publicKeyB64: string): string {
    const { config, kid } = withApprover(this.config(), approverId, publicKeyB64);
    this.writeConfig(config);
    return kid;
  }

  setAllowed(action: Action, allowed: boolean): void {
    this.writeConfig(withAllowed(this.config(), action, allowed));
  }

  lastSeq(): number {
    return (JSON.parse(readFileSync(this.p('seq.json'), 'utf8')) as { lastSeq: number }).lastSeq;
  }

  writeLastSeq(seq: number): void {
    writeFileAtomic(this.p('seq.json'), JSON.stringify({ lastSeq: seq }), 0o600);
  }

  doneResult(commandId: string): SignedMessage | undefined {
    const f = this.p('done', `${commandId}.json`);
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as SignedMessage) : undefined;
  }

  storeResult(commandId: string, msg: SignedMessage): void {
    ensureDir(this.p('done'));
    writeFileAtomic(this.p('done', `${commandId}.json`), JSON.stringify(msg), 0o600);
  }

  markInflight(commandId: string, seq: number, startedAt: string): void {
    ensureDir(this.p('inflight'));
    writeFileAtomic(this.p('inflight', commandId), JSON.stringify({ seq, startedAt }), 0o600);
  }

  clearInflight(commandId: string): void {
    const f = this.p('inflight', commandId);
    if (existsSync(f)) unlinkSync(f);
  }

  inflight(): { commandId: string; seq: number; startedAt: string }[] {
    const d = this.p('inflight');
    if (!existsSync(d)) return [];
    return readdirSync(d)
      .filter((n) => !n.startsWith('.'))
      .map((n) => ({ commandId: n, ...(JSON.parse(readFileSync(join(d, n), 'utf8')) as { seq: number; startedAt: string }) }));
  }

  /** Drop stored results older than `maxAgeMs` (commands expire after 10 min; redelivery after that is refused anyway). */
  pruneDone(now: Date, maxAgeMs: number): void {
    const d = this.p('done');
    if (!existsSync(d)) return;
    for (const n of readdirSync(d)) {
      const f = join(d, n);
      if (now.getTime() - statSync(f).mtimeMs > maxAgeMs) unlinkSync(f);
    }
  }

  // --- key-encryption keys (sealed to this agent) ---
  kekPath(keyId: string, version: number): string {
    return this.p('keys', keyId, `v${version}.json`);
  }

  storeSealedKek(keyId: string, version: number, sealed: unknown): void {
    ensureDir(this.p('keys', keyId));
    writeFileAtomic(this.kekPath(keyId, version), JSON.stringify(sealed), 0o600);
  }

  // --- datasets ---
  dataset(datasetId: string): DatasetState | undefined {
    const f = this.p('datasets', datasetId, 'dataset.json');
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as DatasetState) : undefined;
  }

  writeDataset(ds: DatasetState): void {
    ensureDir(this.p('datasets', ds.datasetId, 'keyring'));
    writeFileAtomic(this.p('datasets', ds.datasetId, 'dataset.json'), JSON.stringify(ds), 0o600);
  }

  datasets(): DatasetState[] {
    const d = this.p('datasets');
    if (!existsSync(d)) return [];
    return readdirSync(d)
      .map((id) => this.dataset(id))
      .filter((x): x is DatasetState => x !== undefined);
  }

  keyringDir(datasetId: string): string {
    return this.p('datasets', datasetId, 'keyring');
  }

  writeWrappedDek(datasetId: string, entry: WrappedDek): void {
    writeFileAtomic(join(this.keyringDir(datasetId), `${entry.fileId}.json`), JSON.stringify(entry), 0o600);
  }

  wrappedDeks(datasetId: string): WrappedDek[] {
    const d = this.keyringDir(datasetId);
    if (!existsSync(d)) return [];
    return readdirSync(d)
      .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
      .map((n) => JSON.parse(readFileSync(join(d, n), 'utf8')) as WrappedDek);
  }

  wrappedDek(datasetId: string, fileId: string): WrappedDek | undefined {
    const f = join(this.keyringDir(datasetId), `${fileId}.json`);
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as WrappedDek) : undefined;
  }

  removeWrappedDek(datasetId: string, fileId: string): void {
    const f = join(this.keyringDir(datasetId), `${fileId}.json`);
    if (existsSync(f)) overwriteAndUnlink(f);
  }

  // --- grants ---
  grants(datasetId: string): GrantEntry[] {
    const f = this.p('grants', `${datasetId}.json`);
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as GrantEntry[]) : [];
  }

  writeGrants(datasetId: string, grants: GrantEntry[]): void {
    ensureDir(this.p('grants'));
    writeFileAtomic(this.p('grants', `${datasetId}.json`), JSON.stringify(grants), 0o600);
  }

  appendAccessLog(line: Record<string, unknown>): void {
    const fd = openSync(this.p('access.log'), 'a', 0o600);
    try {
      writeSync(fd, JSON.stringify(line) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Trust-setting changes as pure functions of the config: applied locally before enrollment, proposed after. */
export function withServiceKey(c: AgentConfig, publicKeyB64: string): { config: AgentConfig; kid: string } {
  publicKeyFromB64(publicKeyB64, 'ed25519');
  const kid = keyIdOf(publicKeyB64);
  const serviceKeys = c.serviceKeys.some((k) => k.kid === kid) ? c.serviceKeys : [...c.serviceKeys, { kid, publicKey: publicKeyB64 }];
  return { config: { ...c, serviceKeys }, kid };
}

export function withApprover(c: AgentConfig, approverId: string, publicKeyB64: string): { config: AgentConfig; kid: string } {
  publicKeyFromB64(publicKeyB64, 'ed25519');
  const kid = keyIdOf(publicKeyB64);
  return { config: { ...c, approvers: { ...c.approvers, [approverId]: { kid, publicKey: publicKeyB64 } } }, kid };
}

export function withAllowed(c: AgentConfig, action: Action, allowed: boolean): AgentConfig {
  const set = new Set(c.allowList);
  if (allowed) set.add(action);
  else set.delete(action);
  return { ...c, allowList: ACTIONS.filter((a) => set.has(a)) };
}
