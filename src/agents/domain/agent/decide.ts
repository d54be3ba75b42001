/** decide(command, state) → events: enrollment, issuing signed commands (seq, digest), results, revocation. */
import { timingSafeEqual } from 'node:crypto';
import {
  DESTRUCTIVE_ACTIONS,
  payloadDigest,
  type Action,
  type AgentCommand as ChannelCommand,
  type Approval,
} from '../../../shared/agent-protocol';
import { buildCommand } from '../service-channel';
import { admitAnomaly, ANOMALY_BUDGET } from '../anomaly-budget';
import {
  type AgentCommand,
  type AgentEvent,
  AgentRuleError,
  type AgentState,
  ENROLLMENT_TOKEN_MAX_TTL_MS,
  hashToken,
  type IssueContext,
} from './events';
import { evolveAgent, initialAgentState } from './state';

function need(cond: unknown, message: string): asserts cond {
  if (!cond) throw new AgentRuleError(message);
}

/** The next seq, the signed message and its digest: what the agent will verify, as recorded. */
function issued(
  s: AgentState,
  agentId: string,
  x: { commandId: string; action: Action; params: Record<string, unknown>; requestedBy: string; approvals: Approval[] },
  issue: IssueContext,
  at: string,
): AgentEvent {
  const seq = s.lastIssuedSeq + 1;
  let body: ChannelCommand;
  try {
    body = buildCommand({ ...x, agentId, seq, ledgerPosition: issue.ledgerPosition, now: new Date(at) });
  } catch (e) {
    throw new AgentRuleError((e as Error).message);
  }
  const message = issue.sign(body);
  return {
    type: 'AgentCommandIssued',
    data: {
      agentId,
      commandId: x.commandId,
      seq,
      action: x.action,
      payloadDigest: payloadDigest(message),
      requestedBy: x.requestedBy,
      approvedBy: x.approvals.map((a) => a.approverId),
      expiresAt: body.expiresAt,
      causationEventId: null,
      message: message as unknown as Record<string, unknown>,
      at,
    },
  };
}

/** Reasons the agent gives for a path outside its allowed roots (src/host-agent/allowed-roots.ts). */
const PATH_REFUSALS = new Set(['outside-allowed-roots', 'root-moved', 'symlink-refused', 'path-not-absolute', 'no-allowed-roots']);

export function decideAgent(c: AgentCommand, s: AgentState): AgentEvent[] {
  if (c.kind === 'issue-token') {
    need(!s.exists || s.status === 'token-issued', 'agent id already enrolled or pending: choose a new agent id');
    need(/^[a-z0-9][a-z0-9-]{0,63}$/.test(c.agentId), 'agentId: must be a lower-case id');
    need(c.ttlMs > 0 && c.ttlMs <= ENROLLMENT_TOKEN_MAX_TTL_MS, 'ttl: at most one hour');
    return [
      {
        type: 'AgentEnrollmentTokenIssued',
        data: {
          agentId: c.agentId,
          tokenHash: c.tokenHash,
          expiresAt: new Date(Date.parse(c.at) + c.ttlMs).toISOString(),
          by: c.actor.id,
          at: c.at,
        },
      },
    ];
  }
  need(s.exists && s.agentId, 'agent does not exist');
  const agentId = s.agentId;
  switch (c.kind) {
    case 'request-enrollment': {
      need(s.status === 'token-issued' && s.token && !s.token.used, 'no usable enrollment token for this agent');
      const a = Buffer.from(hashToken(c.token), 'hex');
      const b = Buffer.from(s.token.hash, 'hex');
      need(a.length === b.length && timingSafeEqual(a, b), 'token: invalid');
      need(Date.parse(c.at) < Date.parse(s.token.expiresAt), 'token: expired');
      return [
        {
          type: 'AgentEnrollmentRequested',
          data: { agentId, publicKey: c.publicKey, sealPublicKey: c.sealPublicKey, kid: c.kid, hostFacts: c.hostFacts, at: c.at },
        },
      ];
    }
    case 'approve-enrollment':
      need(s.status === 'pending-approval', `cannot approve an agent that is ${s.status}`);
      need(c.actor.id !== s.token!.issuedBy, 'two-person rule: the approver must not be the officer who issued the token');
      return [{ type: 'AgentEnrolled', data: { agentId, approvedBy: c.actor.id, kid: s.kid!, at: c.at } }];
    case 'revoke':
      need(s.status !== 'revoked', 'agent already revoked');
      need(c.reason.trim().length > 0, 'reason: required');
      return [{ type: 'AgentRevoked', data: { agentId, by: c.actor.id, reason: c.reason, at: c.at } }];
    case 'propose-command':
      need(s.status === 'active', `cannot send commands to an agent that is ${s.status}`);
      need(DESTRUCTIVE_ACTIONS.includes(c.action), 'only destructive actions wait for approvals');
      need(!s.proposals[c.commandId] && !s.commands[c.commandId], 'commandId already used');
      return [
        {
          type: 'AgentCommandProposed',
          data: { agentId, commandId: c.commandId, action: c.action, params: c.params, requestedBy: c.actor.id, at: c.at },
        },
      ];
    case 'approve-command': {
      const p = s.proposals[c.commandId];
      need(p, 'no such command waiting for approval');
      need(c.approval.approverId === c.actor.id, 'approval.approverId: must be the approving principal');
      need(c.actor.id !== p.requestedBy, 'two-person rule: the requester cannot approve');
      need(!p.approvals.some((a) => a.approverId === c.actor.id), 'this officer already approved');
      need(c.actor.role === 'security-officer' || c.actor.role === 'compliance-officer', 'only an officer may approve');
      need(c.approval.role === c.actor.role, "approval.role: must be the approver's role");
      const added: AgentEvent = {
        type: 'AgentCommandApprovalAdded',
        data: { agentId, commandId: c.commandId, approval: c.approval, at: c.at },
      };
      const approvals = [...p.approvals, c.approval];
      if (approvals.length < 2) return [added];
      need(s.status === 'active', `cannot send commands to an agent that is ${s.status}`);
      return [
        added,
        issued(
          s,
          agentId,
          { commandId: c.commandId, action: p.action, params: p.params, requestedBy: p.requestedBy, approvals },
          c.issue,
          c.at,
        ),
      ];
    }
    case 'issue-command': {
      need(s.status === 'active', `cannot send commands to an agent that is ${s.status}`);
      need(!DESTRUCTIVE_ACTIONS.includes(c.action), 'destructive actions are proposed and approved by two officers, never issued directly');
      need(!s.commands[c.commandId] && !s.proposals[c.commandId], 'commandId already used');
      return [
        issued(
          s,
          agentId,
          { commandId: c.commandId, action: c.action, params: c.params, requestedBy: c.actor.id, approvals: [] },
          c.issue,
          c.at,
        ),
      ];
    }
    case 'record-gate-decision': {
      need(s.status === 'active', 'reports of a revoked or unapproved agent are rejected');
      const d = c.decision;
      if (d.decision === 'allowed')
        return [
          {
            type: 'AgentGateAccessRecorded',
            data: { agentId, principal: d.principal, uid: d.uid, datasetId: d.datasetId, grantId: d.grantId, decidedAt: d.at, at: c.at },
          },
        ];
      // Refusals are what a local account can cause at will: budgeted like every anomaly.
      const admission = admitAnomaly(s.anomalies, c.at);
      if (admission === 'drop') return [];
      if (admission === 'suppress')
        return [
          {
            type: 'AgentAnomaliesSuppressed',
            data: { agentId, windowStart: s.anomalies?.start ?? c.at, limit: ANOMALY_BUDGET.perWindow, at: c.at },
          },
        ];
      return [
        {
          type: 'AgentAnomalyReported',
          data: {
            agentId,
            kind: 'gate-denied',
            reason: d.reason,
            commandDigest: null,
            commandId: null,
            detail: `decrypt gate refused local account ${d.principal} (uid ${d.uid})${d.datasetId ? ` on dataset ${d.datasetId}` : ''}`,
            at: c.at,
          },
        },
      ];
    }
    case 'record-result': {
      need(s.status === 'active', 'results of a revoked or unapproved agent are rejected');
      const r = c.result;
      const issued = r.commandId ? s.commands[r.commandId] : undefined;
      const anomaly = (kind: string, reason: string, detail: string): AgentEvent[] => {
        // Anomalies that anyone able to write to Redis can cause are budgeted; seq gaps ride on real results.
        const admission = kind === 'seq-gap' ? 'record' : admitAnomaly(s.anomalies, c.at);
        if (admission === 'drop') return [];
        if (admission === 'suppress')
          return [
            {
              type: 'AgentAnomaliesSuppressed',
              data: { agentId, windowStart: s.anomalies?.start ?? c.at, limit: ANOMALY_BUDGET.perWindow, at: c.at },
            },
          ];
        return [
          {
            type: 'AgentAnomalyReported',
            data: { agentId, kind, reason, commandDigest: r.commandDigest, commandId: r.commandId, detail, at: c.at },
          },
        ];
      };
      // The agent saw a command it had already run arrive again under another job: a replay.
      if (r.reason === 'replayed-command')
        return anomaly('refused-replay', 'replayed-command', 'a copy of an executed command was delivered again and refused');
      if (!issued) {
        // A sequence number far beyond the agent's window, signed with the service key (a leaked key,
        // a confused service): refused without moving the agent's sequence, reported as a jump.
        if (r.reason === 'seq-too-far-ahead')
          return anomaly(
            'seq-jump',
            'seq-too-far-ahead',
            `seq ${r.seq ?? '?'} of an unknown command is beyond the agent's window; refused`,
          );
        // The agent refused something we never issued: forged, injected, or for someone else.
        if (r.status === 'refused')
          return anomaly(
            'refused-unknown-command',
            r.reason ?? 'refused',
            `job ${r.jobId ?? '?'}: ${String(r.evidence.detail ?? '')}`.slice(0, 300),
          );
        return anomaly('result-for-unknown-command', r.status, 'the agent reported running a command this service never issued');
      }
      if (r.commandDigest !== issued.payloadDigest || r.seq !== issued.seq) {
        // A refusal of a tampered copy carries the digest of what the agent received.
        if (r.status === 'refused')
          return anomaly(
            'refused-tampered-command',
            r.reason ?? 'refused',
            'the agent refused a command whose bytes differ from what was issued',
          );
        return anomaly('result-mismatch', 'digest-or-seq-mismatch', 'result does not match the issued command');
      }
      if (issued.outcome !== 'pending') {
        // A stored result redelivered: nothing new. A done command refused again (its stored result
        // already pruned, so the agent saw a stale seq) is a replay.
        if (r.status === 'refused' && issued.outcome !== 'refused')
          return anomaly('refused-replay', r.reason ?? 'refused', 'a copy of an executed command was delivered again and refused');
        return [];
      }
      const jump: AgentEvent[] =
        r.reason === 'seq-too-far-ahead'
          ? anomaly('seq-jump', 'seq-too-far-ahead', `seq ${r.seq} is beyond the agent's window; refused without moving its sequence`)
          : [];
      const gapEvents: AgentEvent[] = r.gap
        ? anomaly('seq-gap', 'seq-gap', `commands ${r.gap.from}–${r.gap.to} never reached the agent (withheld or lost)`)
        : [];
      if (r.status === 'succeeded') {
        return [
          {
            type: 'AgentCommandCompleted',
            data: {
              agentId,
              commandId: issued.commandId,
              seq: issued.seq,
              action: issued.action,
              resultDigest: r.resultDigest,
              evidence: r.evidence,
              gap: r.gap,
              at: c.at,
            },
          },
          ...gapEvents,
        ];
      }
      return [
        {
          type: 'AgentCommandFailed',
          data: {
            agentId,
            commandId: issued.commandId,
            seq: issued.seq,
            action: issued.action,
            status: r.status,
            reason: r.reason ?? 'unknown',
            resultDigest: r.resultDigest,
            evidence: r.evidence,
            at: c.at,
          },
        },
        ...gapEvents,
        ...jump,
        // A signed command whose path leads out of the agent's allowed roots (a symlink, a swapped root):
        // the action failed, and the attempt is an anomaly of its own.
        ...(PATH_REFUSALS.has(r.reason ?? '')
          ? anomaly('path-refused', r.reason!, `${issued.action} refused: its path leaves the agent's allowed roots`)
          : []),
      ];
    }
    default:
      throw new AgentRuleError('unknown command');
  }
}

export const agentDecider = { initialState: initialAgentState, evolve: evolveAgent, decide: decideAgent };

/**
 * Would this result be reported as an anomaly if the budget had room? Tells a result the budget
 * dropped (counted outside the ledger) from one that was simply nothing new.
 */
export function isAnomalousResult(c: Extract<AgentCommand, { kind: 'record-result' }>, s: AgentState): boolean {
  if (s.status !== 'active') return false;
  return decideAgent(c, { ...s, anomalies: null }).some((e) => e.type === 'AgentAnomalyReported' && e.data.kind !== 'seq-gap');
}
