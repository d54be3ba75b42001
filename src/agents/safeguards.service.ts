/**
 * The safeguards flows: agents (enrollment, commands, results), keys (the locker), datasets
 * (encrypt, rotate, shred, "secured at T?") and access grants — each change recorded through
 * the deciders, each effect on a host sent as a signed command the agent verifies itself.
 * Command handlers here append only; enqueuing happens in AgentCommandProcessor from the
 * committed AgentCommandIssued event (the ledger is the outbox).
 */
import { Inject, Injectable } from '@nestjs/common';
import type Database from 'better-sqlite3';
import { randomBytes, randomUUID } from 'node:crypto';
import { loadState } from '../ledger/decider';
import { WrongExpectedVersionError } from '../ledger/errors';
import { LEDGER, type CommandContext, type Ledger } from '../ledger/ledger';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../ledger/projections/projection-runner';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors';
import { keyIdOf, publicKeyFromB64 } from '../shared/agent-protocol';
import { agentDecider, agentStream, hashToken, type AgentEvent, type AgentState } from './domain/agent';
import { DESTRUCTIVE_ACTIONS, type Action, type Approval } from '../shared/agent-protocol';
import { buildCommand, signCommand, verifyHeartbeat, verifyResult, claimedAgentId } from './domain/service-channel';
import { payloadDigest, type SignedMessage } from '../shared/agent-protocol';
import { ServiceSigningKey } from './infra/service-signing-key';
import { canEncrypt, currentVersion, keyDecider, keyStream, type KeyCommand, type KeyEvent, type KeyState } from '../keys/domain/key';
import { KeyLocker } from '../keys/domain/key-locker';
import { datasetDecider, datasetStream, type DatasetCommand, type DatasetEvent, type DatasetKind } from '../datasets/domain/dataset';
import { combineSafeguards, securedAt, type SecuredAnswer } from '../datasets/domain/secured-at';
import { containmentDecider, containmentStream, planContainment, type ContainmentAction } from './domain/containment';
import { campaignDecider, campaignStream, grantsToRevoke } from '../access/domain/recertification';
import { grantDecider, grantStream, type GrantCommand, type GrantEvent, type Permission, type PrincipalKind } from '../access/domain/grant';

export const SERVICE_SIGNING_KEY = Symbol('ServiceSigningKey');
export const KEY_LOCKER = Symbol('KeyLocker');

type Decider<S, C, E> = { initialState(): S; evolve(s: S, e: E): S; decide(c: C, s: S): E[] };

/** What triage reads (contracts/triage.md vocabulary) for the datasets an incident names. */
export interface SafeguardsSource {
  safeguardsFor(datasetIds: string[], at: string): Promise<{ encryption: 'nist-800-111' | null; keyCompromised: boolean; destruction: 'nist-800-88' | null; secured: boolean; reasons: string[] }>;
  /** Called after a KeyCompromised event with the datasets under that key (re-run triage for incidents naming them). */
  onSafeguardsChanged(listener: (change: { datasetIds: string[]; keyId: string; reason: 'key-compromised' }) => void | Promise<void>): void;
}

@Injectable()
export class SafeguardsService implements SafeguardsSource {
  private readonly listeners: ((c: { datasetIds: string[]; keyId: string; reason: 'key-compromised' }) => void | Promise<void>)[] = [];

  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
    @Inject(SERVICE_SIGNING_KEY) private readonly signing: ServiceSigningKey,
    @Inject(KEY_LOCKER) private readonly locker: KeyLocker,
  ) {}

  now(): string {
    return this.ledger.now().toISOString();
  }

  /** load → decide → append with the expected version; retried on a concurrent write. */
  private async exec<S, C, E extends { type: string; data: object }>(stream: string, decider: Decider<S, C, E>, make: (s: S) => C, ctx: CommandContext, mode: 'create' | 'update' = 'update'): Promise<{ state: S; events: E[] }> {
    for (let attempt = 0; ; attempt++) {
      const { state, version } = await loadState(this.ledger, stream, decider as never);
      if (mode === 'update' && version === null) throw new NotFoundError(`${stream.split('-')[0]} not found`);
      const events = decider.decide(make(state as S), state as S);
      if (events.length === 0) return { state: state as S, events };
      try {
        await this.ledger.append(stream, events, version === null ? 'no-stream' : version, ctx);
      } catch (e) {
        if (e instanceof WrongExpectedVersionError && attempt < 3) continue;
        throw e;
      }
      let next = state as S;
      for (const ev of events) next = decider.evolve(next, ev);
      return { state: next, events };
    }
  }

  private async fold<S, E>(stream: string, decider: Decider<S, unknown, E>): Promise<S> {
    return (await loadState(this.ledger, stream, decider as never)).state as S;
  }

  async catchUp(): Promise<void> {
    await this.projections.catchUp();
  }

  // ---------------- agents ----------------

  async issueEnrollmentToken(agentId: string, ttlMinutes: number, ctx: CommandContext): Promise<{ agentId: string; token: string; expiresAt: string }> {
    const token = randomBytes(32).toString('base64url');
    const { events } = await this.exec(agentStream(agentId), agentDecider, () => ({ kind: 'issue-token' as const, agentId, tokenHash: hashToken(token), ttlMs: ttlMinutes * 60_000, by: ctx.actor.id, at: this.now() }), ctx, 'any' as never);
    const e = events[0] as Extract<AgentEvent, { type: 'AgentEnrollmentTokenIssued' }>;
    return { agentId, token, expiresAt: e.data.expiresAt };
  }

  async requestEnrollment(body: { token: string; agentId: string; publicKey: string; sealPublicKey: string; hostFacts: Record<string, unknown> }): Promise<{ agentId: string; status: string; servicePublicKey: string; serviceKid: string }> {
    try {
      publicKeyFromB64(body.publicKey, 'ed25519');
    } catch {
      throw ValidationError.field('publicKey', 'must be an Ed25519 public key (SPKI DER, base64)');
    }
    try {
      publicKeyFromB64(body.sealPublicKey, 'x25519');
    } catch {
      throw ValidationError.field('sealPublicKey', 'must be an X25519 public key (SPKI DER, base64)');
    }
    const ctx: CommandContext = { actor: { id: `agent:${body.agentId}`, role: 'agent' }, correlationId: randomUUID() };
    await this.exec(agentStream(body.agentId), agentDecider, () => ({ kind: 'request-enrollment' as const, token: body.token, publicKey: body.publicKey, sealPublicKey: body.sealPublicKey, kid: keyIdOf(body.publicKey), hostFacts: body.hostFacts, at: this.now() }), ctx);
    return { agentId: body.agentId, status: 'pending-approval', servicePublicKey: this.signing.publicKey, serviceKid: this.signing.kid };
  }

  async approveEnrollment(agentId: string, ctx: CommandContext) {
    await this.exec(agentStream(agentId), agentDecider, () => ({ kind: 'approve-enrollment' as const, by: ctx.actor.id, at: this.now() }), ctx);
    return this.getAgent(agentId);
  }

  async revokeAgent(agentId: string, reason: string, ctx: CommandContext) {
    await this.exec(agentStream(agentId), agentDecider, () => ({ kind: 'revoke' as const, by: ctx.actor.id, reason, at: this.now() }), ctx);
    return this.getAgent(agentId);
  }

  async agentState(agentId: string): Promise<AgentState> {
    return this.fold(agentStream(agentId), agentDecider as never);
  }

  async getAgent(agentId: string) {
    const s = await this.agentState(agentId);
    if (!s.exists) throw new NotFoundError('agent not found');
    return {
      agentId,
      status: s.status,
      kid: s.kid,
      hostFacts: s.hostFacts,
      lastIssuedSeq: s.lastIssuedSeq,
      lastReportedSeq: s.lastReportedSeq,
      awaitingApproval: Object.entries(s.proposals).map(([commandId, p]) => ({ commandId, action: p.action, params: p.params, requestedBy: p.requestedBy, approvals: p.approvals.map((a) => a.approverId) })),
      commands: Object.values(s.commands).slice(-50).map(({ message: _m, ...c }) => c),
      servicePublicKey: this.signing.publicKey,
    };
  }

  listAgents() {
    return this.db.prepare('SELECT agent_id AS agentId, status, kid, last_issued_seq AS lastIssuedSeq, updated_at AS updatedAt FROM sg_agents ORDER BY agent_id').all();
  }

  /** Issue (sign + record) a command. Destructive actions go through propose/approve instead. */
  async sendCommand(agentId: string, action: Action, params: Record<string, unknown>, ctx: CommandContext, commandId: string = randomUUID(), approvals: Approval[] = []): Promise<{ commandId: string; seq: number }> {
    for (let attempt = 0; ; attempt++) {
      const { state, version } = await loadState(this.ledger, agentStream(agentId), agentDecider as never);
      const s = state as AgentState;
      if (!s.exists) throw new NotFoundError('agent not found');
      const seq = s.lastIssuedSeq + 1;
      const requestedBy = DESTRUCTIVE_ACTIONS.includes(action) ? s.proposals[commandId]?.requestedBy ?? ctx.actor.id : ctx.actor.id;
      let cmd;
      try {
        cmd = buildCommand({ commandId, agentId, seq, action, params, requestedBy, approvals, ledgerPosition: await this.ledger.store.headPosition(), now: this.ledger.now() });
      } catch (e) {
        throw ValidationError.field('params', (e as Error).message);
      }
      const message = signCommand(cmd, this.signing.key, this.signing.kid);
      const events = agentDecider.decide({ kind: 'issue-command', commandId, seq, action, payloadDigest: payloadDigest(message), requestedBy, approvedBy: approvals.map((a) => a.approverId), expiresAt: cmd.expiresAt, message: message as unknown as Record<string, unknown>, at: this.now() }, s);
      try {
        await this.ledger.append(agentStream(agentId), events, version ?? 'no-stream', ctx);
        return { commandId, seq };
      } catch (e) {
        if (e instanceof WrongExpectedVersionError && attempt < 5) continue;
        throw e;
      }
    }
  }

  async proposeCommand(agentId: string, action: Action, params: Record<string, unknown>, ctx: CommandContext): Promise<{ commandId: string; status: 'awaiting-approval' }> {
    const commandId = randomUUID();
    await this.exec(agentStream(agentId), agentDecider, () => ({ kind: 'propose-command' as const, commandId, action, params, requestedBy: ctx.actor.id, at: this.now() }), ctx);
    return { commandId, status: 'awaiting-approval' };
  }

  /** Add one officer's signed approval; the second one issues the command. */
  async approveCommand(agentId: string, commandId: string, approval: Approval, ctx: CommandContext) {
    const { state } = await this.exec(agentStream(agentId), agentDecider, () => ({ kind: 'approve-command' as const, commandId, approval, by: ctx.actor.id, byRole: ctx.actor.role, at: this.now() }), ctx);
    const p = state.proposals[commandId];
    if (p && p.approvals.length >= 2) {
      const r = await this.sendCommand(agentId, p.action, p.params, ctx, commandId, p.approvals);
      return { commandId, status: 'issued' as const, seq: r.seq };
    }
    return { commandId, status: 'awaiting-approval' as const, approvals: p?.approvals.length ?? 0 };
  }

  /** A signed result or heartbeat from the results queue. Anything that does not verify is dropped and counted. */
  async receive(msg: unknown): Promise<'recorded' | 'heartbeat' | 'rejected'> {
    const agentId = claimedAgentId(msg);
    if (!agentId || !/^[a-z0-9][a-z0-9-]{0,63}$/.test(agentId)) return 'rejected';
    const s = await this.agentState(agentId);
    const key = s.status === 'active' && s.publicKey && s.kid ? { kid: s.kid, key: publicKeyFromB64(s.publicKey, 'ed25519') } : undefined;
    if ((msg as SignedMessage)?.type === 'heartbeat') {
      const hb = verifyHeartbeat(msg, agentId, key);
      if (!hb.ok) return 'rejected';
      this.db.exec('CREATE TABLE IF NOT EXISTS sg_heartbeats (agent_id TEXT PRIMARY KEY, at TEXT NOT NULL, last_seq INTEGER NOT NULL, received_at TEXT NOT NULL)');
      this.db.prepare('INSERT INTO sg_heartbeats (agent_id, at, last_seq, received_at) VALUES (?, ?, ?, ?) ON CONFLICT(agent_id) DO UPDATE SET at=excluded.at, last_seq=excluded.last_seq, received_at=excluded.received_at').run(agentId, hb.heartbeat.at, hb.heartbeat.lastSeq, this.now());
      return 'heartbeat';
    }
    const v = verifyResult(msg, agentId, key);
    if (!v.ok) return 'rejected';
    const ctx: CommandContext = { actor: { id: `agent:${agentId}`, role: 'agent' }, correlationId: v.result.commandId ?? randomUUID() };
    const r = v.result;
    await this.exec(agentStream(agentId), agentDecider, () => ({ kind: 'record-result' as const, result: { commandId: r.commandId, commandDigest: r.commandDigest, seq: r.seq, status: r.status, reason: r.reason, evidence: r.evidence, gap: r.gap, resultDigest: v.digest, jobId: r.jobId }, at: this.now() }), ctx);
    return 'recorded';
  }

  /** Follow-up of a completed agent command on the dataset streams (called by the processor, idempotent). */
  async applyCompleted(e: Extract<AgentEvent, { type: 'AgentCommandCompleted' }>['data']): Promise<void> {
    const ev = e.evidence as Record<string, any>;
    const ctx: CommandContext = { actor: { id: `agent:${e.agentId}`, role: 'agent' }, correlationId: e.commandId };
    const rec = (datasetId: string, c: DatasetCommand) => this.exec(datasetStream(datasetId), datasetDecider, () => c, ctx).catch((err) => {
      if ((err as { code?: string }).code === 'DATASET_RULE' || err instanceof NotFoundError) return; // e.g. dataset registered elsewhere
      throw err;
    });
    const at = e.at;
    switch (e.action) {
      case 'dataset.encrypt':
        await rec(ev.datasetId, { kind: 'record-encrypted', keyId: ev.keyId, keyVersion: ev.keyVersion, files: ev.filesTotal, manifestDigest: ev.manifestDigest, keyApart: ev.keyApart === true, cleartextRemaining: ev.cleartextRemaining ?? 0, commandId: e.commandId, at });
        break;
      case 'key.rewrap':
        await rec(ev.datasetId, { kind: 'record-rewrapped', keyId: ev.keyId, fromVersions: ev.fromVersions ?? [], toVersion: ev.toVersion, files: ev.filesTotal, manifestDigest: ev.manifestDigest, commandId: e.commandId, at });
        break;
      case 'key.revoke':
        for (const d of (ev.datasets as string[]) ?? []) await rec(d, { kind: 'record-key-revoked', keyId: ev.keyId, wrappedKeysDestroyed: ev.wrappedDeksDestroyed ?? 0, commandId: e.commandId, at });
        break;
      case 'dataset.shred':
        await rec(ev.datasetId, { kind: 'record-shredded', filesDestroyed: ev.filesDestroyed ?? 0, wrappedKeysDestroyed: ev.wrappedDeksDestroyed ?? 0, commandId: e.commandId, at });
        break;
      case 'host.scan':
        for (const f of (ev.findings as { check: string; target: string; detail: string }[]) ?? []) {
          if (f.check === 'unencrypted-dataset' && /^[a-z0-9][a-z0-9-]{0,63}$/.test(f.target)) {
            const n = Number(/^(\d+)/.exec(f.detail)?.[1] ?? 1);
            await rec(f.target, { kind: 'record-cleartext-found', files: n, commandId: e.commandId, at });
          }
        }
        break;
    }
  }

  /**
   * Issued commands still pending and not expired, for redelivery: Redis may have dropped them.
   * Re-adding uses the command id as job id (a no-op while the job exists); an agent that already
   * ran one answers with its stored result.
   */
  async pendingDeliveries(): Promise<{ agentId: string; commandId: string; message: Record<string, unknown> }[]> {
    await this.catchUp();
    const agents = this.db.prepare(`SELECT DISTINCT c.agent_id AS agentId FROM sg_commands c JOIN sg_agents a ON a.agent_id = c.agent_id WHERE c.status = 'issued' AND a.status = 'active'`).all() as { agentId: string }[];
    const now = Date.parse(this.now());
    const out = [];
    for (const { agentId } of agents) {
      const s = await this.agentState(agentId);
      for (const c of Object.values(s.commands)) if (c.outcome === 'pending' && c.message && Date.parse(c.expiresAt) > now) out.push({ agentId, commandId: c.commandId, message: c.message });
    }
    return out;
  }

  // ---------------- keys ----------------

  async keyState(keyId: string): Promise<KeyState> {
    const s = await this.fold<KeyState, KeyEvent>(keyStream(keyId), keyDecider as never);
    if (!s.exists) throw new NotFoundError('key not found');
    return s;
  }

  private keyCmd(keyId: string, ctx: CommandContext, make: (s: KeyState) => KeyCommand) {
    return this.exec(keyStream(keyId), keyDecider, make, ctx);
  }

  async generateKey(body: { keyId?: string; name: string; cryptoperiodDays?: number; maxCustodians?: number }, ctx: CommandContext) {
    const keyId = body.keyId ?? `key-${randomUUID()}`;
    if ((await this.ledger.streamVersion(keyStream(keyId))) !== null) throw new ConflictError('key already exists');
    const { fingerprint } = await this.locker.generate(keyId, 1);
    await this.exec(keyStream(keyId), keyDecider, () => ({ kind: 'generate' as const, keyId, name: body.name, fingerprint, cryptoperiodDays: body.cryptoperiodDays, maxCustodians: body.maxCustodians, by: ctx.actor, at: this.now() }), ctx, 'create');
    return this.keyView(keyId);
  }

  async keyView(keyId: string) {
    const s = await this.keyState(keyId);
    return { keyId, name: s.name, status: s.status, currentVersion: currentVersion(s), minDecryptionVersion: s.minDecryptionVersion, versions: s.versions.map((v) => ({ version: v.version, createdAt: v.createdAt, fingerprint: v.fingerprint, destroyedAt: v.destroyedAt })), custodians: s.custodians, cryptoperiodDays: s.cryptoperiodDays, lastRotatedAt: s.lastRotatedAt, revocationPending: s.revocation, destruction: s.destruction, compromisedAt: s.compromisedAt };
  }

  listKeys() {
    return this.db.prepare('SELECT key_id AS keyId, name, status, current_version AS currentVersion, custodians FROM sg_keys ORDER BY key_id').all();
  }

  async keyTransition(keyId: string, kind: 'activate' | 'suspend' | 'reactivate' | 'deactivate' | 'cancel-revocation' | 'cancel-destruction', reason: string | undefined, ctx: CommandContext) {
    await this.keyCmd(keyId, ctx, () => ({ kind, reason: reason ?? '', by: ctx.actor, at: this.now() }) as KeyCommand);
    return this.keyView(keyId);
  }

  /** New version in the locker, then key.rewrap to every agent holding a dataset under the key. */
  async rotateKey(keyId: string, ctx: CommandContext) {
    const s = await this.keyState(keyId);
    const next = currentVersion(s) + 1;
    if (s.status !== 'active') throw new ConflictError(`cannot rotate a key that is ${s.status}`);
    const { fingerprint } = await this.locker.generate(keyId, next);
    await this.keyCmd(keyId, ctx, () => ({ kind: 'rotate', fingerprint, by: ctx.actor, at: this.now() }));
    const commands = [];
    for (const d of this.datasetsUnderKey(keyId)) {
      if (d.state === 'shredded' || d.state === 'key-revoked') continue;
      const agent = await this.agentState(d.agentId);
      if (agent.status !== 'active' || !agent.sealPublicKey) continue;
      const sealedKey = await this.locker.sealForAgent(keyId, next, d.agentId, agent.sealPublicKey);
      commands.push({ datasetId: d.datasetId, agentId: d.agentId, ...(await this.sendCommand(d.agentId, 'key.rewrap', { datasetId: d.datasetId, keyId, toVersion: next, sealedKey }, ctx)) });
    }
    return { ...(await this.keyView(keyId)), commands };
  }

  async markCompromised(keyId: string, body: { compromisedAt?: string; reason: string; incidentId?: string }, ctx: CommandContext) {
    await this.keyCmd(keyId, ctx, () => ({ kind: 'mark-compromised', compromisedAt: body.compromisedAt ?? this.now(), reason: body.reason, incidentId: body.incidentId ?? null, by: ctx.actor, at: this.now() }));
    return this.keyView(keyId);
  }

  async notifyCompromised(keyId: string): Promise<void> {
    const datasetIds = this.datasetsUnderKey(keyId).map((d) => d.datasetId);
    for (const l of this.listeners) await l({ datasetIds, keyId, reason: 'key-compromised' });
  }

  /** Revocation: active keys need a second officer; once revoked, key.revoke is proposed to every agent holding the key. */
  async requestRevocation(keyId: string, reason: string, ctx: CommandContext) {
    const { events } = await this.keyCmd(keyId, ctx, () => ({ kind: 'request-revocation', reason, by: ctx.actor, at: this.now() }));
    const proposals = events.some((e) => e.type === 'KeyRevoked') ? await this.proposeKeyRevoke(keyId, ctx) : [];
    return { ...(await this.keyView(keyId)), proposals };
  }

  async approveRevocation(keyId: string, ctx: CommandContext) {
    await this.keyCmd(keyId, ctx, () => ({ kind: 'approve-revocation', by: ctx.actor, at: this.now() }));
    return { ...(await this.keyView(keyId)), proposals: await this.proposeKeyRevoke(keyId, ctx) };
  }

  private async proposeKeyRevoke(keyId: string, ctx: CommandContext) {
    await this.catchUp();
    const agents = [...new Set(this.datasetsUnderKey(keyId).filter((d) => d.state !== 'shredded').map((d) => d.agentId))];
    const out = [];
    for (const agentId of agents) out.push({ agentId, ...(await this.proposeCommand(agentId, 'key.revoke', { keyId }, ctx)) });
    return out;
  }

  async scheduleDestruction(keyId: string, waitDays: number, reason: string, ctx: CommandContext) {
    await this.keyCmd(keyId, ctx, () => ({ kind: 'schedule-destruction', waitDays, reason, by: ctx.actor, at: this.now() }));
    return this.keyView(keyId);
  }

  async destroyKey(keyId: string, ctx: CommandContext) {
    const { events } = await this.keyCmd(keyId, ctx, () => ({ kind: 'destroy', by: ctx.actor, at: this.now() }));
    const e = events[0] as Extract<KeyEvent, { type: 'KeyDestroyed' }>;
    await this.locker.destroy(keyId, e.data.versions);
    return this.keyView(keyId);
  }

  async assignCustodian(keyId: string, principal: string, ctx: CommandContext) {
    await this.catchUp();
    const withGrants = this.datasetsUnderKey(keyId).flatMap((d) => (this.db.prepare(`SELECT principal FROM sg_grants WHERE dataset_id = ? AND status IN ('requested','active')`).all(d.datasetId) as { principal: string }[]).map((r) => r.principal));
    await this.keyCmd(keyId, ctx, () => ({ kind: 'assign-custodian', principal, principalsWithGrants: withGrants, by: ctx.actor, at: this.now() }));
    return this.keyView(keyId);
  }

  datasetsUnderKey(keyId: string): { datasetId: string; agentId: string; state: string }[] {
    return this.db.prepare('SELECT dataset_id AS datasetId, agent_id AS agentId, state FROM sg_datasets WHERE key_id = ?').all(keyId) as never;
  }

  // ---------------- datasets ----------------

  async registerDataset(body: { datasetId?: string; agentId: string; path: string; kind: DatasetKind }, ctx: CommandContext) {
    const datasetId = body.datasetId ?? `ds-${randomUUID()}`;
    const agent = await this.agentState(body.agentId);
    if (!agent.exists) throw ValidationError.field('agentId', 'no such agent');
    await this.exec(datasetStream(datasetId), datasetDecider, () => ({ kind: 'register' as const, datasetId, agentId: body.agentId, path: body.path, datasetKind: body.kind, by: ctx.actor.id, at: this.now() }), ctx, 'create');
    return this.datasetView(datasetId);
  }

  async datasetView(datasetId: string) {
    const s = await this.fold(datasetStream(datasetId), datasetDecider as never);
    const d = s as ReturnType<typeof datasetDecider.initialState>;
    if (!d.exists) throw new NotFoundError('dataset not found');
    return { datasetId, agentId: d.agentId, path: d.path, kind: d.kind, registeredAt: d.registeredAt, encryption: d.encryption, cleartextSeenAt: d.cleartextSeenAt, keyRevokedOnHostAt: d.keyRevokedOnHostAt, shreddedAt: d.shreddedAt };
  }

  listDatasets() {
    return this.db.prepare('SELECT dataset_id AS datasetId, agent_id AS agentId, kind, key_id AS keyId, key_version AS keyVersion, state FROM sg_datasets ORDER BY dataset_id').all();
  }

  /** Send dataset.encrypt with the key's current version sealed to the dataset's agent. */
  async encryptDataset(datasetId: string, keyId: string, ctx: CommandContext) {
    const ds = await this.datasetView(datasetId);
    const key = await this.keyState(keyId);
    const version = currentVersion(key);
    if (!canEncrypt(key, version)) throw new ConflictError(`key ${keyId} is ${key.status}: only an active key encrypts`);
    if (ds.encryption && ds.encryption.keyId !== keyId) throw new ConflictError('dataset is encrypted under another key');
    const agent = await this.agentState(ds.agentId!);
    if (agent.status !== 'active' || !agent.sealPublicKey) throw new ConflictError(`agent ${ds.agentId} is not active`);
    await this.catchUp();
    const custodians = JSON.parse((this.db.prepare('SELECT custodians FROM sg_keys WHERE key_id=?').get(keyId) as { custodians: string } | undefined)?.custodians ?? '[]') as string[];
    const conflicted = (this.db.prepare(`SELECT principal FROM sg_grants WHERE dataset_id=? AND status IN ('requested','active')`).all(datasetId) as { principal: string }[]).filter((g) => custodians.includes(g.principal));
    if (conflicted.length) throw new ConflictError('a custodian of this key holds a grant to the dataset (separation of duties)');
    const sealedKey = await this.locker.sealForAgent(keyId, version, ds.agentId!, agent.sealPublicKey);
    return this.sendCommand(ds.agentId!, 'dataset.encrypt', { datasetId, path: ds.path, keyId, keyVersion: version, sealedKey }, ctx);
  }

  async shredDataset(datasetId: string, ctx: CommandContext) {
    const ds = await this.datasetView(datasetId);
    return this.proposeCommand(ds.agentId!, 'dataset.shred', { datasetId }, ctx);
  }

  async scanHost(agentId: string, body: { paths?: string[]; checkUpdates?: boolean }, ctx: CommandContext) {
    return this.sendCommand(agentId, 'host.scan', body, ctx);
  }

  async securedAt(datasetId: string, at: string): Promise<SecuredAnswer> {
    const events = (await this.ledger.readStream(datasetStream(datasetId))) as unknown as DatasetEvent[];
    if (events.length === 0) throw new NotFoundError('dataset not found');
    const keyIds = [...new Set(events.map((e) => (e.data as { keyId?: string }).keyId).filter((k): k is string => !!k))];
    const keyEvents = new Map<string, KeyEvent[]>();
    for (const k of keyIds) keyEvents.set(k, (await this.ledger.readStream(keyStream(k))) as unknown as KeyEvent[]);
    return securedAt(datasetId, events, (k) => keyEvents.get(k) ?? [], at);
  }

  async safeguardsFor(datasetIds: string[], at: string) {
    const answers = [];
    for (const d of datasetIds) {
      try {
        answers.push(await this.securedAt(d, at));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        answers.push({ datasetId: d, at, secured: false, encryption: null, keyCompromised: false, destruction: null, keyId: null, keyVersion: null, reasons: ['unknown dataset'] } as SecuredAnswer);
      }
    }
    return combineSafeguards(answers);
  }

  onSafeguardsChanged(listener: (change: { datasetIds: string[]; keyId: string; reason: 'key-compromised' }) => void | Promise<void>): void {
    this.listeners.push(listener);
  }

  // ---------------- access ----------------

  private custodiansOfDataset(datasetId: string): string[] {
    const row = this.db.prepare('SELECT k.custodians AS c FROM sg_datasets d JOIN sg_keys k ON k.key_id = d.key_id WHERE d.dataset_id = ?').get(datasetId) as { c: string } | undefined;
    return row ? (JSON.parse(row.c) as string[]) : [];
  }

  async requestGrant(body: { grantId?: string; principal: string; principalKind?: PrincipalKind; datasetId: string; permission: Permission; purpose: string; durationDays: number }, ctx: CommandContext) {
    const grantId = body.grantId ?? `grant-${randomUUID()}`;
    await this.datasetView(body.datasetId);
    await this.catchUp();
    const custodians = this.custodiansOfDataset(body.datasetId);
    await this.exec(grantStream(grantId), grantDecider, () => ({ kind: 'request' as const, grantId, principal: body.principal, principalKind: body.principalKind ?? 'user', datasetId: body.datasetId, permission: body.permission, purpose: body.purpose, durationDays: body.durationDays, by: ctx.actor.id, at: this.now(), custodiansOfDatasetKey: custodians }), ctx, 'create');
    return this.grantView(grantId);
  }

  async grantView(grantId: string) {
    const s = await this.fold(grantStream(grantId), grantDecider as never);
    const g = s as ReturnType<typeof grantDecider.initialState>;
    if (!g.exists) throw new NotFoundError('grant not found');
    return { grantId, principal: g.principal, datasetId: g.datasetId, permission: g.permission, purpose: g.purpose, status: g.status, requestedBy: g.requestedBy, approvedBy: g.approvedBy, activeFrom: g.activeFrom, expiresAt: g.expiresAt };
  }

  listGrants(datasetId?: string) {
    return datasetId
      ? this.db.prepare('SELECT grant_id AS grantId, principal, dataset_id AS datasetId, permission, status, expires_at AS expiresAt FROM sg_grants WHERE dataset_id = ? ORDER BY grant_id').all(datasetId)
      : this.db.prepare('SELECT grant_id AS grantId, principal, dataset_id AS datasetId, permission, status, expires_at AS expiresAt FROM sg_grants ORDER BY grant_id').all();
  }

  private async grantCmd(grantId: string, ctx: CommandContext, make: () => GrantCommand): Promise<GrantEvent[]> {
    return (await this.exec(grantStream(grantId), grantDecider, make, ctx)).events;
  }

  /** After any grant change: the dataset's agent receives the full set of active grants (access.apply). */
  private async pushGrants(datasetId: string, ctx: CommandContext) {
    await this.catchUp();
    const ds = await this.datasetView(datasetId);
    const agent = await this.agentState(ds.agentId!);
    if (agent.status !== 'active') return null;
    const now = this.now();
    const grants = (this.db.prepare(`SELECT grant_id AS grantId, principal, permission, expires_at AS expiresAt FROM sg_grants WHERE dataset_id = ? AND status = 'active' AND expires_at > ? ORDER BY grant_id`).all(datasetId, now) as { grantId: string; principal: string; permission: string; expiresAt: string }[]);
    return this.sendCommand(ds.agentId!, 'access.apply', { datasetId, grants }, ctx);
  }

  async approveGrant(grantId: string, ctx: CommandContext) {
    const g = await this.grantView(grantId);
    await this.catchUp();
    const custodians = this.custodiansOfDataset(g.datasetId!);
    await this.grantCmd(grantId, ctx, () => ({ kind: 'approve', by: ctx.actor.id, byRole: ctx.actor.role, at: this.now(), custodiansOfDatasetKey: custodians }));
    const command = await this.pushGrants(g.datasetId!, ctx);
    return { ...(await this.grantView(grantId)), command };
  }

  async rejectGrant(grantId: string, reason: string, ctx: CommandContext) {
    await this.grantCmd(grantId, ctx, () => ({ kind: 'reject', by: ctx.actor.id, byRole: ctx.actor.role, reason, at: this.now() }));
    return this.grantView(grantId);
  }

  async revokeGrant(grantId: string, reason: string, ctx: CommandContext, campaignId?: string) {
    const g = await this.grantView(grantId);
    await this.grantCmd(grantId, ctx, () => ({ kind: 'revoke', by: ctx.actor.id, reason, at: this.now(), campaignId: campaignId ?? null }));
    const command = await this.pushGrants(g.datasetId!, ctx);
    return { ...(await this.grantView(grantId)), command };
  }

  /** The expiry timer: every active grant past its end is expired and its agent told. Idempotent. */
  async expireDue(ctx: CommandContext): Promise<string[]> {
    await this.catchUp();
    const due = this.db.prepare(`SELECT grant_id AS grantId, dataset_id AS datasetId FROM sg_grants WHERE status = 'active' AND expires_at <= ?`).all(this.now()) as { grantId: string; datasetId: string }[];
    const datasets = new Set<string>();
    for (const g of due) {
      const ev = await this.grantCmd(g.grantId, ctx, () => ({ kind: 'expire', at: this.now() }));
      if (ev.length) datasets.add(g.datasetId);
    }
    for (const d of datasets) await this.pushGrants(d, ctx);
    return due.map((g) => g.grantId);
  }

  // ---------------- recertification campaigns ----------------

  /** Opens a campaign: the population of active grants is frozen now; each grant's reviewer is the officer who approved it. */
  async startCampaign(body: { campaignId: string; dueAt: string; revokeUnreviewed: boolean }, ctx: CommandContext) {
    await this.catchUp();
    if ((await this.ledger.streamVersion(campaignStream(body.campaignId))) !== null) return this.campaignView(body.campaignId);
    const rows = this.db.prepare(`SELECT grant_id AS grantId FROM sg_grants WHERE status = 'active' ORDER BY grant_id`).all() as { grantId: string }[];
    const population: { grantId: string; principal: string; datasetId: string; reviewer: string }[] = [];
    for (const r of rows) {
      const g = await this.grantView(r.grantId);
      population.push({ grantId: r.grantId, principal: g.principal!, datasetId: g.datasetId!, reviewer: g.approvedBy! });
    }
    await this.exec(campaignStream(body.campaignId), campaignDecider, () => ({ kind: 'start' as const, campaignId: body.campaignId, dueAt: body.dueAt, revokeUnreviewed: body.revokeUnreviewed, population, by: ctx.actor.id, at: this.now() }), ctx, 'create');
    return this.campaignView(body.campaignId);
  }

  async campaignView(campaignId: string) {
    const s = (await this.fold(campaignStream(campaignId), campaignDecider as never)) as ReturnType<typeof campaignDecider.initialState>;
    if (!s.exists) throw new NotFoundError('campaign not found');
    return { campaignId, status: s.status, startedAt: s.startedAt, dueAt: s.dueAt, revokeUnreviewed: s.revokeUnreviewed, items: s.items, escalated: s.escalated };
  }

  async reviewGrant(campaignId: string, grantId: string, decision: 'keep' | 'revoke', reason: string | undefined, ctx: CommandContext) {
    await this.exec(campaignStream(campaignId), campaignDecider, () => ({ kind: 'decide' as const, grantId, decision, reason, by: ctx.actor.id, at: this.now() }), ctx);
    if (decision === 'revoke') await this.revokeGrant(grantId, `recertification ${campaignId}: revoked by reviewer`, ctx, campaignId).catch((e) => {
      if ((e as { code?: string }).code !== 'GRANT_RULE') throw e; // already ended
    });
    return this.campaignView(campaignId);
  }

  /** Campaigns past their due date: unreviewed grants escalated (and revoked when the campaign says so), campaign closed. */
  async closeDueCampaigns(ctx: CommandContext): Promise<string[]> {
    await this.catchUp();
    const due = this.db.prepare(`SELECT campaign_id AS campaignId FROM sg_campaigns WHERE status = 'open' AND due_at <= ?`).all(this.now()) as { campaignId: string }[];
    for (const c of due) {
      const { events } = await this.exec(campaignStream(c.campaignId), campaignDecider, () => ({ kind: 'due' as const, at: this.now() }), ctx);
      for (const r of grantsToRevoke(events).filter((x) => x.reason.includes('not reviewed'))) {
        await this.revokeGrant(r.grantId, r.reason, ctx, c.campaignId).catch((e) => {
          if ((e as { code?: string }).code !== 'GRANT_RULE') throw e;
        });
      }
    }
    return due.map((c) => c.campaignId);
  }

  /** The expire-access-grant action of the access-grant-expiry workflow (idempotent; early firing is a no-op). */
  async expireGrant(grantId: string, ctx: CommandContext): Promise<void> {
    const g = await this.grantView(grantId).catch(() => null);
    if (!g || g.status !== 'active' || !g.expiresAt || Date.parse(g.expiresAt) > Date.parse(this.now())) return;
    await this.grantCmd(grantId, ctx, () => ({ kind: 'expire', at: this.now() }));
    await this.pushGrants(g.datasetId!, ctx);
  }

  // ---------------- containment playbook ----------------

  async proposeContainment(body: { incidentId: string; reason: string; principals: string[]; keyIds: string[]; compromisedAt?: string }, ctx: CommandContext) {
    await this.catchUp();
    for (const k of body.keyIds) await this.keyState(k);
    const grants = this.db.prepare(`SELECT grant_id AS grantId, principal, dataset_id AS datasetId FROM sg_grants WHERE status IN ('active','requested') ORDER BY grant_id`).all() as { grantId: string; principal: string; datasetId: string }[];
    const actions = planContainment({ principals: body.principals, keyIds: body.keyIds, compromisedAt: body.compromisedAt ?? this.now() }, grants);
    const containmentId = `cont-${randomUUID()}`;
    await this.exec(containmentStream(containmentId), containmentDecider, () => ({ kind: 'propose' as const, containmentId, incidentId: body.incidentId, reason: body.reason, actions, by: ctx.actor.id, at: this.now() }), ctx, 'create');
    return { containmentId, status: 'proposed', actions };
  }

  /** One approval by another officer issues every proposed action; outcomes are recorded. */
  async approveContainment(containmentId: string, ctx: CommandContext) {
    const { state } = await this.exec(containmentStream(containmentId), containmentDecider, () => ({ kind: 'approve' as const, by: ctx.actor.id, byRole: ctx.actor.role, at: this.now() }), ctx);
    const outcomes: { action: ContainmentAction; ok: boolean; detail: string }[] = [];
    const reason = `containment ${containmentId} for incident ${state.incidentId}`;
    for (const a of state.actions) {
      try {
        if (a.kind === 'revoke-grant') await this.revokeGrant(a.grantId, reason, ctx);
        else if (a.kind === 'rotate-key') await this.rotateKey(a.keyId, ctx);
        else await this.markCompromised(a.keyId, { compromisedAt: a.compromisedAt, reason, incidentId: state.incidentId ?? undefined }, ctx);
        outcomes.push({ action: a, ok: true, detail: 'issued' });
      } catch (e) {
        outcomes.push({ action: a, ok: false, detail: (e as Error).message.slice(0, 200) });
      }
    }
    await this.exec(containmentStream(containmentId), containmentDecider, () => ({ kind: 'record-execution' as const, outcomes, at: this.now() }), ctx);
    return { containmentId, status: 'executed', outcomes };
  }

  /** Containment: revoke every active grant of a principal and propose key actions; recorded like any other change. */
  async containPrincipal(principal: string, reason: string, ctx: CommandContext) {
    await this.catchUp();
    const grants = this.db.prepare(`SELECT grant_id AS grantId FROM sg_grants WHERE principal = ? AND status IN ('active','requested')`).all(principal) as { grantId: string }[];
    const out = [];
    for (const g of grants) out.push(await this.revokeGrant(g.grantId, `containment: ${reason}`, ctx));
    return out;
  }
}
