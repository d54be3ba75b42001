/**
 * Exposure over the ledger: each dataset's population and today's safe-harbor answer (the
 * datasets context), put to the triage engine with the state overlays (the incidents context).
 */
import { Inject, Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import {
  DatasetPopulationsQuery,
  populationStatus,
  SAFE_HARBOR,
  type DatasetPopulationRow,
  type PopulationFacts,
  type SafeHarborPort,
} from '../datasets';
import { evaluateTriage, parseTriageInput, STATE_OVERLAYS, type StateOverlaySet } from '../incidents';
import { CLOCK, type Clock } from '../platform/clock';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { ValidationError } from '../platform/errors';
import { localDate } from '../shared/calendar';
import type { CostModel } from './domain/cost-model';
import { analyzeExposure, combinePopulations, rankExposures, type Exposure, type TriageFn } from './domain/exposure';

export interface ExposureReport {
  asOf: string;
  today: string;
  /** The unit costs used (defaults unless overridden): shown, never hidden. */
  costModel: CostModel;
  /** Each dataset alone, largest exposure today first. */
  datasets: Exposure[];
  /** The datasets asked for, leaked together (only when more than one was named). */
  combined: Exposure | null;
  /** Datasets with no population declared: nothing can be said about them until one is. */
  withoutPopulation: string[];
  totals: { individuals: number; costToday: number; costIfAllEncrypted: number; encryptionWouldSave: number };
}

const facts = (p: NonNullable<DatasetPopulationRow['population']>): PopulationFacts => ({
  byState: p.byState,
  dataElements: p.dataElements,
  recordForms: p.recordForms,
  emailAgreed: p.emailAgreed,
  noContact: p.noContact,
});

@Injectable()
export class ExposureService {
  private readonly triage: TriageFn;

  constructor(
    private readonly queries: QueryBus,
    @Inject(SAFE_HARBOR) private readonly safeHarbor: SafeHarborPort,
    @Inject(STATE_OVERLAYS) overlays: StateOverlaySet,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.triage = (raw) => evaluateTriage(parseTriageInput(raw), overlays);
  }

  async report(datasetIds: readonly string[] | undefined, costModel: CostModel): Promise<ExposureReport> {
    const now = this.clock.now();
    const asOf = now.toISOString();
    const today = localDate(now, this.config.ORG_TIMEZONE);
    const rows = await this.queries.execute<DatasetPopulationsQuery, DatasetPopulationRow[]>(new DatasetPopulationsQuery(datasetIds));
    if (datasetIds) {
      const known = new Set(rows.map((r) => r.datasetId));
      const unknown = datasetIds.filter((d) => !known.has(d));
      if (unknown.length > 0) throw ValidationError.field('datasets', `no such dataset: ${unknown.join(', ')}`);
    }
    // A shredded dataset holds nobody any more.
    const live = rows.filter((r) => r.state !== 'shredded');
    const withPop = live.filter(
      (r): r is DatasetPopulationRow & { population: NonNullable<DatasetPopulationRow['population']> } => !!r.population,
    );
    const exposures: Exposure[] = [];
    for (const r of withPop) {
      const safeguards = await this.safeHarbor.safeguardsFor([r.datasetId], asOf);
      exposures.push(
        analyzeExposure(
          {
            datasetIds: [r.datasetId],
            population: facts(r.population),
            safeguards,
            populationStale: populationStatus(r.population, today).stale,
          },
          today,
          this.triage,
          costModel,
        ),
      );
    }
    let combined: Exposure | null = null;
    if (datasetIds && datasetIds.length > 1 && withPop.length > 0) {
      const ids = withPop.map((r) => r.datasetId);
      combined = analyzeExposure(
        {
          datasetIds: ids,
          population: combinePopulations(withPop.map((r) => facts(r.population))),
          safeguards: await this.safeHarbor.safeguardsFor(ids, asOf),
          populationStale: exposures.some((x) => x.populationStale),
        },
        today,
        this.triage,
        costModel,
      );
    }
    const ranked = rankExposures(exposures);
    const sum = (f: (x: Exposure) => number) => Math.round(ranked.reduce((a, x) => a + f(x), 0) * 100) / 100;
    return {
      asOf,
      today,
      costModel,
      datasets: ranked,
      combined,
      withoutPopulation: live.filter((r) => !r.population).map((r) => r.datasetId),
      totals: {
        individuals: sum((x) => x.individuals),
        costToday: sum((x) => x.costToday),
        costIfAllEncrypted: sum((x) => x.secured.cost.total),
        encryptionWouldSave: sum((x) => x.encryptionWouldSave),
      },
    };
  }
}

/** One line per dataset: what `safeharbor exposure` and the posture section show. */
export function exposureRow(x: Exposure) {
  const today = x.today === 'secured' ? x.secured : x.unsecured;
  return {
    dataset: x.datasetIds.join('+'),
    individuals: x.individuals,
    ssn: x.dataElements.includes('ssn'),
    safeHarbor: x.today === 'secured',
    owed: today.breach ? ownedSummary(today) : 'nothing',
    firstDueInDays: today.daysAvailable,
    costToday: x.costToday,
    ifEncrypted: x.secured.cost.total,
    encryptionSaves: x.encryptionWouldSave,
    stale: x.populationStale,
  };
}

function ownedSummary(s: Exposure['unsecured']): string {
  const parts = [`${s.letters} letters`];
  if (s.emails) parts.push(`${s.emails} emails`);
  if (s.substituteNotice) parts.push('substitute');
  if (s.mediaNotice.length) parts.push(`media ${s.mediaNotice.map((m) => m.jurisdiction).join('/')}`);
  if (s.hhsNotice) parts.push(`HHS ${s.hhsNotice.timing === 'contemporaneous' ? 'now' : 'annual'}`);
  if (s.stateRegulators.length) parts.push(`${s.stateRegulators.length} regulator${s.stateRegulators.length > 1 ? 's' : ''}`);
  return parts.join(', ');
}
