/**
 * The agent runtime: one signed command in, one signed result out. Checks run in the
 * normative order (shared/agent-protocol/agent-checks); lastSeq is written durably before the action
 * runs; the signed result is stored before it is returned, so a redelivery gets the same bytes.
 */
import type { KeyObject } from 'node:crypto';
import type { Clock } from './clock';
import {
  checkCommand,
  publicKeyFromB64,
  ACTIONS,
  type Action,
  type CommandResult,
  type Heartbeat,
  type GateDecision,
  payloadDigest,
  signMessage,
  type SignedMessage,
} from '../shared/agent-protocol';
import { ActionError, execute, type ExecContext } from './actions';
import type { AgentConfig, AgentState } from './state';

export const AGENT_VERSION = '0.1.0';
const DONE_RETENTION_MS = 24 * 3600 * 1000;

export class HostAgent {
  private config: AgentConfig;
  private readonly signingKey: KeyObject;
  private readonly kid: string;
  private readonly serviceKeys = new Map<string, KeyObject>();
  private readonly approverKeys = new Map<string, { kid: string; key: KeyObject }>();

  constructor(
    readonly state: AgentState,
    private readonly clock: Clock,
  ) {
    this.config = state.config();
    this.signingKey = state.signingKey();
    this.kid = state.publicInfo().kid;
    this.loadTrust();
    this.recoverInterrupted();
    state.pruneDone(clock.now(), DONE_RETENTION_MS);
  }

  /** Pinned service and officer keys from the config (again after an agent.trust command). */
  private loadTrust(): void {
    this.config = this.state.config();
    this.serviceKeys.clear();
    this.approverKeys.clear();
    for (const k of this.config.serviceKeys) this.serviceKeys.set(k.kid, publicKeyFromB64(k.publicKey, 'ed25519'));
    for (const [id, k] of Object.entries(this.config.approvers))
      this.approverKeys.set(id, { kid: k.kid, key: publicKeyFromB64(k.publicKey, 'ed25519') });
  }

  get agentId(): string {
    return this.config.agentId;
  }

  get allowList(): readonly Action[] {
    return this.config.allowList;
  }

  private sign(result: CommandResult): SignedMessage {
    return signMessage('result', result, this.signingKey, this.kid);
  }

  /** A command that was running when the process died gets a stored "interrupted" result. */
  private recoverInterrupted(): void {
    for (const f of this.state.inflight()) {
      if (!this.state.doneResult(f.commandId)) {
        const r = this.sign({
          v: 1,
          commandId: f.commandId,
          commandDigest: null,
          agentId: this.agentId,
          seq: f.seq,
          status: 'failed',
          reason: 'interrupted',
          startedAt: f.startedAt,
          finishedAt: this.clock.now().toISOString(),
          evidence: { detail: 'the agent stopped while this command ran; re-issue it with a new seq' },
          gap: null,
          jobId: null,
        });
        this.state.storeResult(f.commandId, r);
      }
      this.state.clearInflight(f.commandId);
    }
  }

  execContext(): ExecContext {
    return {
      state: this.state,
      agentId: this.agentId,
      now: () => this.clock.now(),
      hostRoot: this.config.hostRoot ?? '/',
      allowedRoots: this.config.allowedRoots,
    };
  }

  handle(msg: unknown, jobId: string | null = null): SignedMessage {
    const startedAt = this.clock.now().toISOString();
    const outcome = checkCommand(msg, {
      agentId: this.agentId,
      serviceKey: (kid) => this.serviceKeys.get(kid),
      allowList: this.config.allowList,
      approverKey: (id, kid) => {
        const a = this.approverKeys.get(id);
        return a && a.kid === kid ? a.key : undefined;
      },
      now: this.clock.now(),
      skewMs: this.config.skewMs,
      lastSeq: this.state.lastSeq(),
      doneResult: (id) => this.state.doneResult(id),
    });
    if (outcome.kind === 'resend') {
      // The same job delivered again (a stalled job, a restart) gets the stored bytes. A copy of an
      // executed command under another job id is a replay: refused and reported, never run again.
      const storedJobId = (JSON.parse(Buffer.from(outcome.stored.payload, 'base64').toString('utf8')) as CommandResult).jobId;
      if (jobId === null || jobId === storedJobId) return outcome.stored;
      return this.sign({
        v: 1,
        commandId: outcome.commandId,
        commandDigest: outcome.digest,
        agentId: this.agentId,
        seq: outcome.seq,
        status: 'refused',
        reason: 'replayed-command',
        startedAt,
        finishedAt: this.clock.now().toISOString(),
        evidence: {
          detail: 'this command already ran under another job; its stored result stands',
          storedResultDigest: payloadDigest(outcome.stored),
        },
        gap: null,
        jobId,
      });
    }
    if (outcome.kind === 'refuse') {
      return this.sign({
        v: 1,
        commandId: outcome.commandId,
        commandDigest: outcome.digest,
        agentId: this.agentId,
        seq: outcome.seq,
        status: 'refused',
        reason: outcome.reason,
        startedAt,
        finishedAt: this.clock.now().toISOString(),
        evidence: { detail: outcome.detail },
        gap: null,
        jobId,
      });
    }
    const cmd = outcome.command;
    // Durable before executing: a crash from here on can never let this seq run twice.
    this.state.writeLastSeq(cmd.seq);
    this.state.markInflight(cmd.commandId, cmd.seq, startedAt);
    let status: CommandResult['status'] = 'succeeded';
    let reason: string | null = null;
    let evidence: Record<string, unknown>;
    try {
      evidence = execute(cmd, this.execContext());
      if (cmd.action === 'agent.trust') this.loadTrust();
    } catch (e) {
      status = 'failed';
      reason = e instanceof ActionError ? e.code : 'internal-error';
      evidence = { detail: e instanceof ActionError ? e.message : 'the action failed; see the agent log' };
      if (!(e instanceof ActionError))
        process.stderr.write(`safeharbor-agent: ${cmd.action} ${cmd.commandId} failed: ${(e as Error).message}\n`);
    }
    const signed = this.sign({
      v: 1,
      commandId: cmd.commandId,
      commandDigest: outcome.digest,
      agentId: this.agentId,
      seq: cmd.seq,
      status,
      reason,
      startedAt,
      finishedAt: this.clock.now().toISOString(),
      evidence,
      gap: outcome.gap,
      jobId,
    });
    this.state.storeResult(cmd.commandId, signed);
    this.state.clearInflight(cmd.commandId);
    return signed;
  }

  /** A job whose data was not even JSON: refused and reported, like every hostile job. */
  refuseUnreadable(jobId: string | null): SignedMessage {
    const at = this.clock.now().toISOString();
    return this.sign({
      v: 1,
      commandId: null,
      commandDigest: null,
      agentId: this.agentId,
      seq: null,
      status: 'refused',
      reason: 'unreadable-job',
      startedAt: at,
      finishedAt: at,
      evidence: { detail: 'the job data in Redis is not JSON' },
      gap: null,
      jobId,
    });
  }

  /** A decrypt-gate decision, signed for the service's ledger. */
  signGateDecision(d: Omit<GateDecision, 'v' | 'agentId' | 'at'>): SignedMessage {
    const body: GateDecision = { v: 1, agentId: this.agentId, at: this.clock.now().toISOString(), ...d };
    return signMessage('access', body, this.signingKey, this.kid);
  }

  heartbeat(): SignedMessage {
    const hb: Heartbeat = {
      v: 1,
      agentId: this.agentId,
      at: this.clock.now().toISOString(),
      lastSeq: this.state.lastSeq(),
      agentVersion: AGENT_VERSION,
      allowList: ACTIONS.filter((a) => this.config.allowList.includes(a)),
    };
    return signMessage('heartbeat', hb, this.signingKey, this.kid);
  }
}
