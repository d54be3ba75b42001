/** The decrypt gate's decision: cleartext of one file for one principal, or a named refusal. */
import { existsSync, realpathSync } from 'node:fs';
import { ENC_SUFFIX, loadKek, unwrapDek, type ExecContext } from './actions';
import { isUnder } from './allowed-roots';
import { decryptFile, readHeader } from './file-crypto';

export class GateDenied extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'GateDenied';
  }
}

/**
 * The decrypt gate: cleartext of one file for one principal, only with an active grant on
 * the dataset that holds it. Root and admin have no grant by policy. Every decision is logged.
 */
export function gateRead(ctx: ExecContext, path: string, principal: string, sink: (chunk: Buffer) => void): { datasetId: string } {
  const now = ctx.now();
  const abs = existsSync(path) ? realpathSync(path) : existsSync(path + ENC_SUFFIX) ? realpathSync(path + ENC_SUFFIX) : null;
  const log = (decision: string, datasetId: string | null) => {
    ctx.state.appendAccessLog({ at: now.toISOString(), principal, datasetId, decision });
    const [verdict, detail] = decision.split(':') as ['allowed' | 'denied', string];
    ctx.onGateDecision?.({
      decision: verdict,
      reason: verdict === 'allowed' ? 'active-grant' : detail,
      datasetId,
      grantId: verdict === 'allowed' ? detail : null,
    });
  };
  if (!abs) {
    log('denied:no-such-file', null);
    throw new GateDenied('no-such-file', 'no such file');
  }
  const file = abs.endsWith(ENC_SUFFIX) ? abs : existsSync(abs + ENC_SUFFIX) ? abs + ENC_SUFFIX : abs;
  const ds = ctx.state.datasets().find((d) => isUnder(file, d.path));
  if (!ds) {
    log('denied:not-in-dataset', null);
    throw new GateDenied('not-in-dataset', 'file is not in a dataset this agent protects');
  }
  if (principal === 'root' || principal === 'admin') {
    log('denied:privileged-principal', ds.datasetId);
    throw new GateDenied('privileged-principal', `${principal} has no cleartext access by policy`);
  }
  const grant = ctx.state
    .grants(ds.datasetId)
    .find(
      (g) => g.principal === principal && (g.permission === 'read' || g.permission === 'write') && Date.parse(g.expiresAt) > now.getTime(),
    );
  if (!grant) {
    log('denied:no-grant', ds.datasetId);
    throw new GateDenied('no-grant', `${principal} has no active grant on this dataset`);
  }
  if (ds.status === 'revoked') {
    log('denied:key-revoked', ds.datasetId);
    throw new GateDenied('key-revoked', 'the dataset key was revoked on this host');
  }
  if (!file.endsWith(ENC_SUFFIX)) {
    log('denied:not-encrypted', ds.datasetId);
    throw new GateDenied('not-encrypted', 'file is not encrypted (run dataset.encrypt)');
  }
  const { fileId } = readHeader(file);
  const entry = ctx.state.wrappedDek(ds.datasetId, fileId.toString('hex'));
  if (!entry) {
    log('denied:no-data-key', ds.datasetId);
    throw new GateDenied('no-data-key', 'no data key for this file');
  }
  const kek = loadKek(ctx, entry.keyId, entry.v);
  const dek = unwrapDek(kek, ds.datasetId, entry);
  kek.fill(0);
  try {
    decryptFile(file, dek, sink);
  } finally {
    dek.fill(0);
  }
  log(`allowed:${grant.grantId}`, ds.datasetId);
  return { datasetId: ds.datasetId };
}
