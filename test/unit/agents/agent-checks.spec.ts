import {
  checkCommand,
  type AgentCheckContext,
  generateSealKeyPair,
  openSealed,
  privateKeyFromPem,
  sealTo,
  DEFAULT_ALLOW_LIST,
  ACTIONS,
  signingInput,
  signMessage,
  type SignedMessage,
  ed25519Sign,
} from '../../../src/shared/agent-protocol';
import { approve, newSigner, TestIssuer } from '../../integration/host-agent/fixtures';

const T0 = new Date('2026-03-01T10:00:00.000Z');

function ctx(
  issuer: TestIssuer,
  over: Partial<AgentCheckContext> = {},
  officers: (ReturnType<typeof newSigner> & { id: string })[] = [],
): AgentCheckContext {
  return {
    agentId: issuer.agentId,
    serviceKey: (kid) =>
      kid === issuer.service.kid
        ? issuer.service.key.asymmetricKeyType && require('node:crypto').createPublicKey(issuer.service.key)
        : undefined,
    allowList: DEFAULT_ALLOW_LIST,
    approverKey: (id, kid) => {
      const o = officers.find((x) => x.id === id && x.kid === kid);
      return o ? require('node:crypto').createPublicKey(o.key) : undefined;
    },
    now: T0,
    skewMs: 30_000,
    lastSeq: 0,
    doneResult: () => undefined,
    ...over,
  };
}

const scan = { paths: ['/srv/phi'] };

describe('agent checks (normative order)', () => {
  it('accepts a well-formed, signed, in-window command with the next seq', () => {
    const iss = new TestIssuer('host-a');
    const out = checkCommand(iss.command('host.scan', scan, T0), ctx(iss));
    expect(out.kind).toBe('execute');
    if (out.kind === 'execute') {
      expect(out.command.seq).toBe(1);
      expect(out.gap).toBeNull();
      expect(out.digest).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('refuses a command signed by another key (forged), before looking at the payload', () => {
    const iss = new TestIssuer('host-a');
    const forger = newSigner();
    const msg = iss.command('host.scan', scan, T0);
    // Same kid, payload that is not even JSON, signed by the forger: refused as bad signature, not as malformed payload.
    const junk = Buffer.from('{not json', 'utf8');
    const forged: SignedMessage = {
      ...msg,
      payload: junk.toString('base64').padEnd(Math.ceil(junk.toString('base64').length / 4) * 4, '='),
      sig: ed25519Sign(forger.key, signingInput('command', junk)).toString('base64'),
    };
    const out = checkCommand(forged, ctx(iss));
    expect(out).toMatchObject({ kind: 'refuse', reason: 'bad-signature', commandId: null });
  });

  it('refuses a payload modified in transit', () => {
    const iss = new TestIssuer('host-a');
    const msg = iss.command('host.scan', scan, T0);
    const body = JSON.parse(Buffer.from(msg.payload, 'base64').toString());
    body.params.paths = ['/'];
    const tampered = { ...msg, payload: Buffer.from(JSON.stringify(body)).toString('base64') };
    expect(checkCommand(tampered, ctx(iss))).toMatchObject({ kind: 'refuse', reason: 'bad-signature' });
  });

  it('refuses malformed envelopes and unknown signer keys', () => {
    const iss = new TestIssuer('host-a');
    const msg = iss.command('host.scan', scan, T0);
    for (const bad of [null, 'x', [], { ...msg, extra: 1 }, { ...msg, v: 2 }, { ...msg, sig: 'short' }, { ...msg, type: 'shell' }]) {
      expect(checkCommand(bad, ctx(iss))).toMatchObject({ kind: 'refuse', reason: 'malformed-envelope' });
    }
    const other = newSigner();
    const signedByOther = signMessage('command', JSON.parse(Buffer.from(msg.payload, 'base64').toString()), other.key, other.kid);
    expect(checkCommand(signedByOther, ctx(iss))).toMatchObject({ kind: 'refuse', reason: 'unknown-key' });
    const asResult = signMessage('result', { a: 1 }, iss.service.key, iss.service.kid);
    expect(checkCommand(asResult, ctx(iss))).toMatchObject({ kind: 'refuse', reason: 'wrong-type' });
  });

  it('parses params strictly: unknown fields, relative paths and wildcards are refused', () => {
    const iss = new TestIssuer('host-a');
    const sign = (params: Record<string, unknown>, action: 'host.scan' | 'access.apply' = 'host.scan') => {
      const cmd = {
        v: 1,
        commandId: '01900000-0000-7000-8000-000000000001',
        agentId: 'host-a',
        seq: 1,
        issuedAt: T0.toISOString(),
        notBefore: T0.toISOString(),
        expiresAt: new Date(T0.getTime() + 60_000).toISOString(),
        action,
        params,
        requestedBy: 'sec-alice',
        approvals: [],
        ledgerPosition: '1',
      };
      return signMessage('command', cmd, iss.service.key, iss.service.kid);
    };
    expect(checkCommand(sign({ paths: ['/srv/phi'], shell: 'rm -rf /' }), ctx(iss))).toMatchObject({
      kind: 'refuse',
      reason: 'invalid-params',
    });
    expect(checkCommand(sign({ paths: ['srv/phi'] }), ctx(iss))).toMatchObject({ kind: 'refuse', reason: 'invalid-params' });
    expect(checkCommand(sign({ paths: ['/srv/../etc'] }), ctx(iss))).toMatchObject({ kind: 'refuse', reason: 'invalid-params' });
    const wild = checkCommand(
      sign(
        { datasetId: 'ds-1', grants: [{ grantId: 'g-1', principal: '*', permission: 'read', expiresAt: '2026-03-02T00:00:00.000Z' }] },
        'access.apply',
      ),
      ctx(iss),
    );
    expect(wild).toMatchObject({ kind: 'refuse', reason: 'invalid-params' });
    if (wild.kind === 'refuse') expect(wild.detail).toContain('principal');
  });

  it('refuses a command addressed to another agent', () => {
    const iss = new TestIssuer('host-a');
    expect(checkCommand(iss.command('host.scan', scan, T0, { agentId: 'host-b' }), ctx(iss))).toMatchObject({
      kind: 'refuse',
      reason: 'wrong-agent',
    });
  });

  it('refuses actions off the local allow-list; destructive actions are off by default', () => {
    const iss = new TestIssuer('host-a');
    expect(DEFAULT_ALLOW_LIST).not.toContain('dataset.shred');
    expect(DEFAULT_ALLOW_LIST).not.toContain('key.revoke');
    expect(checkCommand(iss.command('dataset.shred', { datasetId: 'ds-1' }, T0), ctx(iss))).toMatchObject({
      kind: 'refuse',
      reason: 'action-not-allowed',
    });
    expect(checkCommand(iss.command('host.scan', scan, T0), ctx(iss, { allowList: ['access.apply'] }))).toMatchObject({
      kind: 'refuse',
      reason: 'action-not-allowed',
    });
  });

  it('requires two valid approvals by distinct pinned officers, neither the requester, for destructive actions', () => {
    const iss = new TestIssuer('host-a');
    const bob = { ...newSigner(), id: 'sec-bob' };
    const carol = { ...newSigner(), id: 'sec-carol' };
    const alice = { ...newSigner(), id: 'sec-alice' };
    const mallory = { ...newSigner(), id: 'sec-mallory' };
    const allow = { allowList: [...ACTIONS] };
    const both = (c: Parameters<ReturnType<typeof approve>>[0]) => [approve(bob, T0)(c), approve(carol, T0)(c)];
    expect(
      checkCommand(iss.command('dataset.shred', { datasetId: 'ds-1' }, T0, { approvals: both }), ctx(iss, allow, [bob, carol])).kind,
    ).toBe('execute');
    // none
    expect(checkCommand(iss.command('dataset.shred', { datasetId: 'ds-1' }, T0), ctx(iss, allow, [bob, carol]))).toMatchObject({
      reason: 'approvals-missing',
    });
    // the same officer twice
    expect(
      checkCommand(
        iss.command('dataset.shred', { datasetId: 'ds-1' }, T0, { approvals: (c) => [approve(bob, T0)(c), approve(bob, T0)(c)] }),
        ctx(iss, allow, [bob, carol]),
      ),
    ).toMatchObject({ reason: 'approvals-missing' });
    // the requester approving their own request does not count
    expect(
      checkCommand(
        iss.command('dataset.shred', { datasetId: 'ds-1' }, T0, { approvals: (c) => [approve(bob, T0)(c), approve(alice, T0)(c)] }),
        ctx(iss, allow, [bob, carol, alice]),
      ),
    ).toMatchObject({ reason: 'approvals-missing' });
    // an officer whose key is not pinned on this host
    expect(
      checkCommand(
        iss.command('dataset.shred', { datasetId: 'ds-1' }, T0, { approvals: (c) => [approve(bob, T0)(c), approve(mallory, T0)(c)] }),
        ctx(iss, allow, [bob, carol]),
      ),
    ).toMatchObject({ reason: 'approvals-missing' });
    // an approval for another command (params differ) does not verify
    const forOther = iss.command('dataset.shred', { datasetId: 'ds-1' }, T0, {
      approvals: (c) => [approve(bob, T0)({ ...c, params: { datasetId: 'ds-2' } }), approve(carol, T0)(c)],
    });
    expect(checkCommand(forOther, ctx(iss, allow, [bob, carol]))).toMatchObject({ reason: 'approval-invalid' });
  });

  it('enforces notBefore/expiresAt with a small skew and a 10-minute maximum lifetime', () => {
    const iss = new TestIssuer('host-a');
    const msg = iss.command('host.scan', scan, T0, { ttlMs: 60_000 });
    expect(checkCommand(msg, ctx(iss, { now: new Date(T0.getTime() + 60_000 + 29_000) })).kind).toBe('execute');
    expect(checkCommand(msg, ctx(iss, { now: new Date(T0.getTime() + 60_000 + 31_000) }))).toMatchObject({ reason: 'expired' });
    expect(checkCommand(msg, ctx(iss, { now: new Date(T0.getTime() - 31_000) }))).toMatchObject({ reason: 'not-yet-valid' });
    const cmd = {
      v: 1,
      commandId: '01900000-0000-7000-8000-000000000002',
      agentId: 'host-a',
      seq: 1,
      issuedAt: T0.toISOString(),
      notBefore: T0.toISOString(),
      expiresAt: new Date(T0.getTime() + 11 * 60_000).toISOString(),
      action: 'host.scan',
      params: scan,
      requestedBy: 'sec-alice',
      approvals: [],
      ledgerPosition: '1',
    };
    expect(checkCommand(signMessage('command', cmd, iss.service.key, iss.service.kid), ctx(iss))).toMatchObject({
      reason: 'lifetime-too-long',
    });
  });

  it('resends the stored result of a command already done, without re-running it', () => {
    const iss = new TestIssuer('host-a');
    const msg = iss.command('host.scan', scan, T0);
    const stored = signMessage('result', { any: 'stored' }, iss.service.key, iss.service.kid);
    const out = checkCommand(msg, ctx(iss, { lastSeq: 1, doneResult: () => stored }));
    expect(out).toMatchObject({ kind: 'resend', stored });
  });

  it('refuses a seq not greater than lastSeq (replay / out of order) and reports gaps', () => {
    const iss = new TestIssuer('host-a');
    expect(checkCommand(iss.command('host.scan', scan, T0, { seq: 5 }), ctx(iss, { lastSeq: 5 }))).toMatchObject({
      reason: 'stale-seq',
      seq: 5,
    });
    expect(checkCommand(iss.command('host.scan', scan, T0, { seq: 3 }), ctx(iss, { lastSeq: 5 }))).toMatchObject({ reason: 'stale-seq' });
    expect(checkCommand(iss.command('host.scan', scan, T0, { seq: 9 }), ctx(iss, { lastSeq: 5 }))).toMatchObject({
      kind: 'execute',
      gap: { from: 6, to: 8 },
    });
  });
});

describe('seal (X25519 + HKDF + AES-256-GCM)', () => {
  it('opens only with the recipient key and the same context', () => {
    const a = generateSealKeyPair();
    const b = generateSealKeyPair();
    const kek = Buffer.alloc(32, 7);
    const box = sealTo(a.publicKey, kek, 'kek|host-a|k1|1');
    expect(openSealed(privateKeyFromPem(a.privateKeyPem, 'x25519'), box, 'kek|host-a|k1|1').equals(kek)).toBe(true);
    expect(() => openSealed(privateKeyFromPem(b.privateKeyPem, 'x25519'), box, 'kek|host-a|k1|1')).toThrow();
    expect(() => openSealed(privateKeyFromPem(a.privateKeyPem, 'x25519'), box, 'kek|host-a|k1|2')).toThrow();
    expect(box.ct).not.toContain(kek.toString('base64'));
  });
});
