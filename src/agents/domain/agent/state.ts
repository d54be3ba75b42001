/** The agent's state: the initial state and evolve (event → state). */
import type { AgentEvent, AgentState } from './events';
import { afterRecorded, afterSuppressed } from '../anomaly-budget';

export function initialAgentState(): AgentState {
  return {
    exists: false,
    agentId: null,
    status: null,
    token: null,
    publicKey: null,
    sealPublicKey: null,
    kid: null,
    hostFacts: null,
    lastIssuedSeq: 0,
    lastReportedSeq: 0,
    commands: {},
    proposals: {},
    anomalies: null,
  };
}
export function evolveAgent(s: AgentState, e: AgentEvent): AgentState {
  switch (e.type) {
    case 'AgentEnrollmentTokenIssued':
      return {
        ...initialAgentState(),
        exists: true,
        agentId: e.data.agentId,
        status: 'token-issued',
        token: { hash: e.data.tokenHash, expiresAt: e.data.expiresAt, issuedBy: e.data.by, used: false },
      };
    case 'AgentEnrollmentRequested':
      return {
        ...s,
        status: 'pending-approval',
        token: s.token && { ...s.token, used: true },
        publicKey: e.data.publicKey,
        sealPublicKey: e.data.sealPublicKey,
        kid: e.data.kid,
        hostFacts: e.data.hostFacts,
      };
    case 'AgentEnrolled':
      return { ...s, status: 'active' };
    case 'AgentRevoked':
      return { ...s, status: 'revoked' };
    case 'AgentCommandProposed':
      return {
        ...s,
        proposals: {
          ...s.proposals,
          [e.data.commandId]: { action: e.data.action, params: e.data.params, requestedBy: e.data.requestedBy, approvals: [] },
        },
      };
    case 'AgentCommandApprovalAdded': {
      const p = s.proposals[e.data.commandId];
      return p ? { ...s, proposals: { ...s.proposals, [e.data.commandId]: { ...p, approvals: [...p.approvals, e.data.approval] } } } : s;
    }
    case 'AgentCommandIssued': {
      const { [e.data.commandId]: _done, ...proposals } = s.proposals;
      void _done;
      return {
        ...s,
        proposals,
        lastIssuedSeq: e.data.seq,
        commands: {
          ...s.commands,
          [e.data.commandId]: {
            commandId: e.data.commandId,
            seq: e.data.seq,
            action: e.data.action,
            payloadDigest: e.data.payloadDigest,
            expiresAt: e.data.expiresAt,
            outcome: 'pending',
            message: e.data.message,
          },
        },
      };
    }
    case 'AgentCommandCompleted':
      return {
        ...s,
        lastReportedSeq: Math.max(s.lastReportedSeq, e.data.seq),
        commands: { ...s.commands, [e.data.commandId]: { ...s.commands[e.data.commandId], outcome: 'succeeded' } },
      };
    case 'AgentCommandFailed':
      return {
        ...s,
        lastReportedSeq: Math.max(s.lastReportedSeq, e.data.seq),
        commands: { ...s.commands, [e.data.commandId]: { ...s.commands[e.data.commandId], outcome: e.data.status } },
      };
    case 'AgentAnomalyReported':
      return e.data.kind === 'seq-gap' ? s : { ...s, anomalies: afterRecorded(s.anomalies ?? null, e.data.at) };
    case 'AgentAnomaliesSuppressed':
      return { ...s, anomalies: afterSuppressed(s.anomalies ?? null, e.data.at) };
    default:
      return s;
  }
}
