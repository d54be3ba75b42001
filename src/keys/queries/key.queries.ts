import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { loadState } from '../../ledger/decider';
import { LEDGER, type Ledger } from '../../ledger/ledger';
import { PROJECTION_RUNNER, READ_DB, type ProjectionRunner } from '../../ledger/projections/projection-runner';
import { readFresh } from '../../ledger/projections/read-fresh';
import { ConflictError, NotFoundError } from '../../platform/errors';
import { canEncrypt, currentVersion, keyDecider, keyStream, rotationDueAt, type KeyState } from '../domain/key';
import type { KeyLocker } from '../domain/key-locker';
import {
  GetKeyQuery,
  ListKeysQuery,
  SealKeyForAgentQuery,
  type KeyListItem,
  type KeyResult,
  type KeyView,
  type SealedKeyVersion,
} from '../messages';
import { readKeyRow } from '../projections/keys.projection';
import { KEY_LOCKER } from '../tokens';

export function keyView(keyId: string, s: KeyState): KeyView {
  return {
    keyId,
    name: s.name,
    status: s.status,
    currentVersion: currentVersion(s),
    minDecryptionVersion: s.minDecryptionVersion,
    versions: s.versions.map((v) => ({
      version: v.version,
      createdAt: v.createdAt,
      fingerprint: v.fingerprint,
      destroyedAt: v.destroyedAt,
    })),
    custodians: s.custodians,
    cryptoperiodDays: s.cryptoperiodDays,
    lastRotatedAt: s.lastRotatedAt,
    revocationPending: s.revocation,
    destruction: s.destruction,
    compromisedAt: s.compromisedAt,
  };
}

@QueryHandler(GetKeyQuery)
export class GetKeyHandler implements IQueryHandler<GetKeyQuery, KeyResult> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute({ keyId, minVersion }: GetKeyQuery): Promise<KeyResult> {
    const row = await readFresh(
      this.projections,
      () => readKeyRow(this.db, keyId),
      (r) => minVersion !== undefined && BigInt(r.version) >= minVersion,
    );
    if (!row) throw new NotFoundError('key not found');
    return { view: keyView(keyId, row.state), version: BigInt(row.version) };
  }
}

@QueryHandler(ListKeysQuery)
export class ListKeysHandler implements IQueryHandler<ListKeysQuery, KeyListItem[]> {
  constructor(
    @Inject(READ_DB) private readonly db: Database.Database,
    @Inject(PROJECTION_RUNNER) private readonly projections: ProjectionRunner,
  ) {}

  async execute(): Promise<KeyListItem[]> {
    await this.projections.catchUp();
    const rows = this.db
      .prepare(
        'SELECT key_id AS keyId, name, status, current_version AS currentVersion, custodians, state FROM crypto_keys ORDER BY key_id',
      )
      .all() as Array<Pick<KeyListItem, 'keyId' | 'name' | 'status' | 'currentVersion'> & { custodians: string; state: string }>;
    return rows.map(({ state, ...r }) => {
      const s = JSON.parse(state) as KeyState;
      return {
        ...r,
        custodians: JSON.parse(r.custodians) as string[],
        cryptoperiodDays: s.cryptoperiodDays,
        rotationDueAt: rotationDueAt(s),
        compromisedAt: s.compromisedAt,
      };
    });
  }
}

/** Reads the key from its own stream (not the projection): whether it may encrypt is decided on the latest facts. */
@QueryHandler(SealKeyForAgentQuery)
export class SealKeyForAgentHandler implements IQueryHandler<SealKeyForAgentQuery, SealedKeyVersion> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(KEY_LOCKER) private readonly locker: KeyLocker,
  ) {}

  async execute({ keyId, version, agent }: SealKeyForAgentQuery): Promise<SealedKeyVersion> {
    const { state } = await loadState(this.ledger, keyStream(keyId), keyDecider);
    if (!state.exists) throw new NotFoundError('key not found');
    const v = version === 'current' ? currentVersion(state) : version;
    if (version === 'current' && !canEncrypt(state, v))
      throw new ConflictError(`key ${keyId} is ${state.status}: only an active key encrypts`);
    return { keyId, version: v, sealedKey: await this.locker.sealForAgent(keyId, v, agent.agentId, agent.sealPublicKey) };
  }
}
