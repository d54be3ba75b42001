/**
 * The safe-harbor port: what triage (src/incidents) asks the datasets context. One token, one
 * interface, owned here; the answer speaks the triage contract's vocabulary
 * (contracts/triage.md: safeguards.encryption / keyCompromised / destruction).
 */
import type Database from 'better-sqlite3';
import type { Ledger } from '../ledger/ledger';
import type { ProjectionRunner } from '../ledger/projections/projection-runner';
import { NotFoundError } from '../platform/errors';
import { keyStream, type KeyEvent } from '../keys';
import { datasetStream, type DatasetEvent } from './domain/dataset';
import { combineSafeguards, securedAt, type Safeguards, type SecuredAnswer } from './domain/secured-at';

export const SAFE_HARBOR = Symbol('SafeHarbor');

export type SafeHarborAnswer = Safeguards & { secured: boolean; reasons: string[] };

export interface SafeHarborPort {
  /** Secured only if every dataset was, at that instant (or the start of that calendar date, UTC). Unknown datasets are unsecured. */
  safeguardsFor(datasetIds: readonly string[], at: string): Promise<SafeHarborAnswer>;
  /** Every dataset ever encrypted under the key: their answers change when the key is marked compromised. */
  datasetsEverUnderKey(keyId: string): Promise<string[]>;
}

/** Answers from the ledger's own dataset and key events (pure secured-at over both streams). */
export class LedgerSafeHarbor implements SafeHarborPort {
  constructor(
    private readonly ledger: Ledger,
    private readonly db: Database.Database,
    private readonly projections: ProjectionRunner,
  ) {}

  async securedAt(datasetId: string, at: string): Promise<SecuredAnswer> {
    const events = (await this.ledger.readStream(datasetStream(datasetId))) as unknown as DatasetEvent[];
    if (events.length === 0) throw new NotFoundError('dataset not found');
    const keyIds = [...new Set(events.map((e) => (e.data as { keyId?: string }).keyId).filter((k): k is string => !!k))];
    const keyEvents = new Map<string, KeyEvent[]>();
    for (const k of keyIds) keyEvents.set(k, (await this.ledger.readStream(keyStream(k))) as unknown as KeyEvent[]);
    return securedAt(datasetId, events, (k) => keyEvents.get(k) ?? [], at);
  }

  async safeguardsFor(datasetIds: readonly string[], at: string): Promise<SafeHarborAnswer> {
    const answers: SecuredAnswer[] = [];
    for (const d of datasetIds) {
      try {
        answers.push(await this.securedAt(d, at));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        answers.push({
          datasetId: d,
          at,
          secured: false,
          encryption: null,
          keyCompromised: false,
          destruction: null,
          keyId: null,
          keyVersion: null,
          reasons: ['unknown dataset'],
        });
      }
    }
    return combineSafeguards(answers);
  }

  async datasetsEverUnderKey(keyId: string): Promise<string[]> {
    await this.projections.catchUp();
    return (
      this.db.prepare('SELECT dataset_id AS datasetId FROM dataset_keys WHERE key_id = ? ORDER BY dataset_id').all(keyId) as {
        datasetId: string;
      }[]
    ).map((r) => r.datasetId);
  }
}
