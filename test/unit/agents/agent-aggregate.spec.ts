import { decideAgent, evolveAgent, hashToken, initialAgentState, type AgentCommand, type AgentState } from '../../../src/agents/domain/agent';
import { decideContainment, evolveContainment, initialContainmentState, planContainment } from '../../../src/agents/domain/containment';

const t = (m: number) => new Date(Date.parse('2026-04-01T12:00:00.000Z') + m * 60_000).toISOString();
function run(cmds: AgentCommand[], s: AgentState = initialAgentState()) {
  const events = [];
  for (const c of cmds) for (const e of decideAgent(c, s)) {
    events.push(e);
    s = evolveAgent(s, e);
  }
  return { s, events };
}
const enroll: AgentCommand[] = [
  { kind: 'issue-token', agentId: 'host-a', tokenHash: hashToken('tok-123456789012345678901'), ttlMs: 15 * 60_000, by: 'sec-a', at: t(0) },
  { kind: 'request-enrollment', token: 'tok-123456789012345678901', publicKey: 'pk', sealPublicKey: 'spk', kid: '0123456789abcdef', hostFacts: {}, at: t(5) },
];
const issue = (seq: number, commandId = `00000000-0000-4000-8000-00000000000${seq}`): AgentCommand => ({ kind: 'issue-command', commandId, seq, action: 'host.scan', payloadDigest: 'd'.repeat(63) + seq, requestedBy: 'sec-a', approvedBy: [], expiresAt: t(20), message: {}, at: t(10) });
const result = (over: Partial<Extract<AgentCommand, { kind: 'record-result' }>['result']>): AgentCommand => ({ kind: 'record-result', result: { commandId: '00000000-0000-4000-8000-000000000001', commandDigest: 'd'.repeat(63) + 1, seq: 1, status: 'succeeded', reason: null, evidence: {}, gap: null, resultDigest: 'r'.repeat(64), jobId: 'j1', ...over }, at: t(11) });

describe('agent aggregate', () => {
  it('enrollment: single-use, short-lived token; a second officer approves', () => {
    const { s } = run(enroll);
    expect(s.status).toBe('pending-approval');
    expect(() => run([enroll[1]], s)).toThrow(/no usable enrollment token/);
    expect(() => run([enroll[0], { ...enroll[1], token: 'wrong-token-000000000000' } as AgentCommand])).toThrow(/token: invalid/);
    expect(() => run([enroll[0], { ...enroll[1], at: t(16) } as AgentCommand])).toThrow(/expired/);
    expect(() => run([{ kind: 'approve-enrollment', by: 'sec-a', at: t(6) }], s)).toThrow(/two-person/);
    expect(run([{ kind: 'approve-enrollment', by: 'sec-b', at: t(6) }], s).s.status).toBe('active');
  });

  it('issues strictly increasing seqs; destructive commands need two approvals first; revoked agents get nothing', () => {
    const active = run([...enroll, { kind: 'approve-enrollment', by: 'sec-b', at: t(6) }]).s;
    const one = run([issue(1)], active).s;
    expect(() => run([issue(3, '00000000-0000-4000-8000-000000000003')], one)).toThrow(/seq/);
    expect(() => run([{ ...issue(2), action: 'dataset.shred' } as AgentCommand], one)).toThrow(/two officer approvals/);
    const revoked = run([{ kind: 'revoke', by: 'sec-a', reason: 'host retired', at: t(12) }], one).s;
    expect(() => run([issue(2)], revoked)).toThrow(/revoked/);
    expect(() => run([result({})], revoked)).toThrow(/rejected/);
  });

  it('records results once, and reports refusals of things it never issued, tampered copies, replays and gaps', () => {
    const s = run([...enroll, { kind: 'approve-enrollment', by: 'sec-b', at: t(6) }, issue(1)]).s;
    const done = run([result({ gap: { from: 1, to: 0 } })], s);
    expect(done.events.map((e) => e.type)).toEqual(['AgentCommandCompleted', 'AgentAnomalyReported']);
    expect(run([result({})], done.s).events).toEqual([]); // redelivered result
    expect(run([result({ status: 'refused', reason: 'stale-seq' })], done.s).events[0]).toMatchObject({ type: 'AgentAnomalyReported', data: { kind: 'refused-replay' } });
    expect(run([result({ commandId: null, commandDigest: null, seq: null, status: 'refused', reason: 'bad-signature' })], s).events[0]).toMatchObject({ data: { kind: 'refused-unknown-command', reason: 'bad-signature' } });
    expect(run([result({ commandDigest: 'e'.repeat(64), status: 'refused', reason: 'bad-signature' })], s).events[0]).toMatchObject({ data: { kind: 'refused-tampered-command' } });
    expect(run([result({ commandDigest: 'e'.repeat(64) })], s).events[0]).toMatchObject({ data: { kind: 'result-mismatch' } });
  });
});

describe('containment playbook', () => {
  it('plans revocations for the named principals and rotate + compromise for the named keys; one other officer approves', () => {
    const actions = planContainment({ principals: ['mallory'], keyIds: ['key-1'], compromisedAt: t(0) }, [
      { grantId: 'g-1', principal: 'mallory', datasetId: 'ds-1' },
      { grantId: 'g-2', principal: 'dr_lee', datasetId: 'ds-1' },
    ]);
    expect(actions.map((a) => a.kind)).toEqual(['revoke-grant', 'rotate-key', 'mark-key-compromised']);
    let s = initialContainmentState();
    for (const e of decideContainment({ kind: 'propose', containmentId: 'c-1', incidentId: 'inc-1', reason: 'stolen credentials', actions, by: 'ir-joe', at: t(1) }, s)) s = evolveContainment(s, e);
    expect(() => decideContainment({ kind: 'approve', by: 'ir-joe', byRole: 'security-officer', at: t(2) }, s)).toThrow(/two-person/);
    expect(() => decideContainment({ kind: 'record-execution', outcomes: [], at: t(2) }, s)).toThrow(/approved first/);
    expect(decideContainment({ kind: 'approve', by: 'sec-b', byRole: 'security-officer', at: t(2) }, s)[0].type).toBe('ContainmentApproved');
    expect(() => decideContainment({ kind: 'propose', containmentId: 'c-2', incidentId: 'i', reason: 'r', actions: [], by: 'x', at: t(1) }, initialContainmentState())).toThrow(/nothing to contain/);
  });
});
