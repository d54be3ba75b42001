import { agentDecider, hashToken, isAnomalousResult, type AgentCommand, type IssueContext } from '../../../src/agents/domain/agent';
import { signCommand } from '../../../src/agents/domain/service-channel';
import { ANOMALY_BUDGET } from '../../../src/agents/domain/anomaly-budget';
import {
  commandSchema,
  generateSigningKeyPair,
  keyIdOf,
  openMessage,
  payloadDigest,
  privateKeyFromPem,
  publicKeyFromB64,
  type Approval,
  type SignedMessage,
} from '../../../src/shared/agent-protocol';
import { deciderSpec } from '../../support/decider-spec';

const t = (m: number) => new Date(Date.parse('2026-04-01T12:00:00.000Z') + m * 60_000).toISOString();
const secA = { id: 'sec-a', role: 'security-officer' };
const secB = { id: 'sec-b', role: 'security-officer' };
const secC = { id: 'sec-c', role: 'security-officer' };
const agentActor = { id: 'agent:host-a', role: 'agent' };

const service = generateSigningKeyPair();
const serviceKid = keyIdOf(service.publicKey);
const issue: IssueContext = {
  ledgerPosition: '42',
  sign: (body) => signCommand(body, privateKeyFromPem(service.privateKeyPem, 'ed25519'), serviceKid),
};
const opened = (message: unknown) => {
  const o = openMessage(message, 'command', (kid) => (kid === serviceKid ? publicKeyFromB64(service.publicKey, 'ed25519') : undefined));
  if (!o.ok) throw new Error(o.detail);
  return commandSchema.parse(o.body);
};

const spec = deciderSpec(agentDecider);
const token = 'tok-123456789012345678901';
const issueToken: AgentCommand = {
  kind: 'issue-token',
  agentId: 'host-a',
  tokenHash: hashToken(token),
  ttlMs: 15 * 60_000,
  actor: secA,
  at: t(0),
};
const requestEnrollment: AgentCommand = {
  kind: 'request-enrollment',
  token,
  publicKey: 'pk',
  sealPublicKey: 'spk',
  kid: '0123456789abcdef',
  hostFacts: { hostname: 'h' },
  actor: agentActor,
  at: t(5),
};
const pending = spec.history([issueToken, requestEnrollment]);
const active = spec.history([{ kind: 'approve-enrollment', actor: secB, at: t(6) }], pending);
const scan = (commandId: string, at = t(10)): AgentCommand => ({
  kind: 'issue-command',
  commandId,
  action: 'host.scan',
  params: {},
  issue,
  actor: secA,
  at,
});
const id = (n: number) => `00000000-0000-4000-8000-00000000000${n}`;
const oneIssued = spec.history([scan(id(1))], active);
const issuedMessage = spec.given(oneIssued).state().commands[id(1)]!.message as unknown as SignedMessage;
const result = (over: Partial<Extract<AgentCommand, { kind: 'record-result' }>['result']>): AgentCommand => ({
  kind: 'record-result',
  result: {
    commandId: id(1),
    commandDigest: payloadDigest(issuedMessage),
    seq: 1,
    status: 'succeeded',
    reason: null,
    evidence: {},
    gap: null,
    resultDigest: 'r'.repeat(64),
    jobId: 'j1',
    ...over,
  },
  actor: agentActor,
  at: t(11),
});
const approval = (who: { id: string; role: string }): Approval => ({
  approverId: who.id,
  role: who.role as Approval['role'],
  approvedAt: t(20),
  kid: '0123456789abcdef',
  sig: 'A'.repeat(86) + '==',
});

describe('agent aggregate', () => {
  it('enrollment: single-use, short-lived token; a second officer approves', () => {
    spec
      .when(issueToken)
      .then([
        { type: 'AgentEnrollmentTokenIssued', data: { agentId: 'host-a', tokenHash: hashToken(token), expiresAt: t(15), by: 'sec-a' } },
      ]);
    spec
      .given(spec.history([issueToken]))
      .when(requestEnrollment)
      .then([
        { type: 'AgentEnrollmentRequested', data: { agentId: 'host-a', kid: '0123456789abcdef', publicKey: 'pk', sealPublicKey: 'spk' } },
      ]);
    spec
      .given(pending)
      .when(requestEnrollment)
      .thenThrows(/no usable enrollment token/);
    spec
      .given(spec.history([issueToken]))
      .when({ ...requestEnrollment, token: 'wrong-token-000000000000' })
      .thenThrows(/token: invalid/);
    spec
      .given(spec.history([issueToken]))
      .when({ ...requestEnrollment, at: t(16) })
      .thenThrows(/expired/);
    spec
      .given(pending)
      .when({ kind: 'approve-enrollment', actor: secA, at: t(6) })
      .thenThrows(/two-person/);
    spec
      .given(pending)
      .when({ kind: 'approve-enrollment', actor: secB, at: t(6) })
      .then([{ type: 'AgentEnrolled', data: { agentId: 'host-a', approvedBy: 'sec-b' } }]);
    spec
      .given(active)
      .when(issueToken)
      .thenThrows(/already enrolled/);
  });

  it('issues signed commands with strictly increasing seqs; the recorded digest is that of the signed bytes', () => {
    const { events } = spec
      .given(active)
      .when([scan(id(1)), scan(id(2), t(11))])
      .then([
        {
          type: 'AgentCommandIssued',
          data: {
            agentId: 'host-a',
            commandId: id(1),
            seq: 1,
            action: 'host.scan',
            requestedBy: 'sec-a',
            approvedBy: [],
            expiresAt: t(20),
          },
        },
        { type: 'AgentCommandIssued', data: { commandId: id(2), seq: 2, expiresAt: t(21) } },
      ]);
    const first = events[0]!.data as unknown as { message: SignedMessage; payloadDigest: string };
    expect(first.payloadDigest).toBe(payloadDigest(first.message));
    expect(opened(first.message)).toMatchObject({
      commandId: id(1),
      agentId: 'host-a',
      seq: 1,
      ledgerPosition: '42',
      issuedAt: t(10),
      expiresAt: t(20),
    });
    spec
      .given(oneIssued)
      .when(scan(id(1)))
      .thenThrows(/already used/);
    spec
      .given(active)
      .when({ ...scan(id(1)), action: 'dataset.encrypt', params: { datasetId: 'ds-1' } } as AgentCommand)
      .thenThrows(/invalid params for dataset.encrypt/);
  });

  it('destructive commands: proposed, then two officers other than the requester; the second approval issues it', () => {
    spec
      .given(active)
      .when({ ...scan(id(3)), action: 'dataset.shred', params: { datasetId: 'ds-1' } } as AgentCommand)
      .thenThrows(/never issued directly/);
    const proposed = spec.history(
      [{ kind: 'propose-command', commandId: id(3), action: 'dataset.shred', params: { datasetId: 'ds-1' }, actor: secA, at: t(19) }],
      oneIssued,
    );
    const approve = (who: typeof secA): AgentCommand => ({
      kind: 'approve-command',
      commandId: id(3),
      approval: approval(who),
      issue,
      actor: who,
      at: t(20),
    });
    spec
      .given(proposed)
      .when(approve(secA))
      .thenThrows(/requester cannot approve/);
    spec
      .given(proposed)
      .when({ ...approve(secB), approval: approval(secC) } as AgentCommand)
      .thenThrows(/approverId/);
    spec
      .given(proposed)
      .when(approve({ id: 'aud-x', role: 'auditor' }))
      .thenThrows(/only an officer/);
    const once = spec.history([approve(secB)], proposed);
    spec
      .given(once)
      .when(approve(secB))
      .thenThrows(/already approved/);
    const { events, state } = spec
      .given(once)
      .when(approve(secC))
      .then([
        { type: 'AgentCommandApprovalAdded', data: { commandId: id(3), approval: { approverId: 'sec-c' } } },
        {
          type: 'AgentCommandIssued',
          data: { commandId: id(3), seq: 2, action: 'dataset.shred', requestedBy: 'sec-a', approvedBy: ['sec-b', 'sec-c'] },
        },
      ]);
    expect(opened((events[1]!.data as { message: unknown }).message).approvals.map((a) => a.approverId)).toEqual(['sec-b', 'sec-c']);
    expect(state.proposals[id(3)]).toBeUndefined();
  });

  it('a revoked agent gets no commands and its results are rejected', () => {
    const revoked = spec.history([{ kind: 'revoke', reason: 'host retired', actor: secA, at: t(12) }], oneIssued);
    spec
      .given(oneIssued)
      .when({ kind: 'revoke', reason: ' ', actor: secA, at: t(12) })
      .thenThrows(/reason/);
    spec
      .given(revoked)
      .when(scan(id(2)))
      .thenThrows(/revoked/);
    spec
      .given(revoked)
      .when(result({}))
      .thenThrows(/rejected/);
  });

  it('records results once, and reports refusals of things it never issued, tampered copies, replays and gaps', () => {
    spec
      .given(oneIssued)
      .when(result({ gap: { from: 1, to: 0 } }))
      .then([
        { type: 'AgentCommandCompleted', data: { commandId: id(1), seq: 1, action: 'host.scan' } },
        { type: 'AgentAnomalyReported', data: { kind: 'seq-gap' } },
      ]);
    const done = spec.history([result({})], oneIssued);
    spec.given(done).when(result({})).thenNothing(); // redelivered result
    spec
      .given(done)
      .when(result({ status: 'refused', reason: 'stale-seq' }))
      .then([{ type: 'AgentAnomalyReported', data: { kind: 'refused-replay' } }]);
    spec
      .given(done)
      .when(result({ status: 'refused', reason: 'replayed-command' }))
      .then([{ type: 'AgentAnomalyReported', data: { kind: 'refused-replay', reason: 'replayed-command' } }]);
    spec
      .given(oneIssued)
      .when(result({ status: 'refused', reason: 'seq-too-far-ahead' }))
      .then([
        { type: 'AgentCommandFailed', data: { status: 'refused', reason: 'seq-too-far-ahead' } },
        { type: 'AgentAnomalyReported', data: { kind: 'seq-jump' } },
      ]);
    spec
      .given(oneIssued)
      .when(result({ commandId: null, commandDigest: null, seq: null, status: 'refused', reason: 'bad-signature' }))
      .then([{ type: 'AgentAnomalyReported', data: { kind: 'refused-unknown-command', reason: 'bad-signature' } }]);
    spec
      .given(oneIssued)
      .when(result({ commandDigest: 'e'.repeat(64), status: 'refused', reason: 'bad-signature' }))
      .then([{ type: 'AgentAnomalyReported', data: { kind: 'refused-tampered-command' } }]);
    spec
      .given(oneIssued)
      .when(result({ commandDigest: 'e'.repeat(64) }))
      .then([{ type: 'AgentAnomalyReported', data: { kind: 'result-mismatch' } }]);
    spec
      .given(oneIssued)
      .when(result({ status: 'failed', reason: 'io-error' }))
      .then([{ type: 'AgentCommandFailed', data: { status: 'failed', reason: 'io-error' } }]);
    // A signed command whose path links out of the allowed roots failed, and is an anomaly too.
    spec
      .given(oneIssued)
      .when(result({ status: 'failed', reason: 'symlink-refused' }))
      .then([
        { type: 'AgentCommandFailed', data: { status: 'failed', reason: 'symlink-refused' } },
        { type: 'AgentAnomalyReported', data: { kind: 'path-refused', reason: 'symlink-refused' } },
      ]);
    // A far-ahead seq on a command this service never issued (signed with a leaked service key) is a jump.
    spec
      .given(oneIssued)
      .when(result({ commandId: id(9), seq: 1_000_001, status: 'refused', reason: 'seq-too-far-ahead' }))
      .then([{ type: 'AgentAnomalyReported', data: { kind: 'seq-jump', reason: 'seq-too-far-ahead' } }]);
  });

  it('budgets anomalies per hour: a flood of junk jobs adds one marker, not one event each', () => {
    const junk = (at: string) => ({
      ...result({ commandId: null, commandDigest: null, seq: null, status: 'refused', reason: 'malformed-envelope' }),
      at,
    });
    let past = oneIssued;
    for (let i = 0; i < ANOMALY_BUDGET.perWindow; i++) {
      spec
        .given(past)
        .when(junk(t(20)))
        .then([{ type: 'AgentAnomalyReported', data: { kind: 'refused-unknown-command' } }]);
      past = spec.history([junk(t(20))], past);
    }
    spec
      .given(past)
      .when(junk(t(20)))
      .then([{ type: 'AgentAnomaliesSuppressed', data: { limit: ANOMALY_BUDGET.perWindow } }]);
    past = spec.history([junk(t(20))], past);
    spec
      .given(past)
      .when(junk(t(20)))
      .thenNothing();
    // What the budget dropped is told from what was nothing new (so it can be counted outside the ledger).
    const asResult = (c: AgentCommand) => c as Extract<AgentCommand, { kind: 'record-result' }>;
    expect(isAnomalousResult(asResult(junk(t(20))), spec.given(past).state())).toBe(true);
    const done = spec.history([result({})], past);
    expect(isAnomalousResult(asResult(result({})), spec.given(done).state())).toBe(false);
    // Real results still record, and a seq gap on a real result is never budgeted away.
    spec
      .given(past)
      .when(result({ gap: { from: 1, to: 0 } }))
      .then([{ type: 'AgentCommandCompleted' }, { type: 'AgentAnomalyReported', data: { kind: 'seq-gap' } }]);
    // An hour later the budget is back.
    spec
      .given(past)
      .when(junk(new Date(Date.parse(t(20)) + ANOMALY_BUDGET.windowMs).toISOString()))
      .then([{ type: 'AgentAnomalyReported', data: { kind: 'refused-unknown-command' } }]);
  });
});
