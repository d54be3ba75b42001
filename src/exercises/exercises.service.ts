/**
 * Exercises over the ledger: load → decide (the exercise decider around the real incident
 * decider) → append to `exercise-<id>`. Nothing here sends, posts or enqueues: no processor
 * handles Exercise* events, and the incident events stay inside them.
 */
import { Inject, Injectable } from '@nestjs/common';
import { handleCommand } from '../ledger/decider';
import type { Decider } from '../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../ledger/ledger';
import { NotFoundError, ValidationError } from '../platform/errors';
import { uuidv7 } from '../platform/ids';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { PHI_VAULT } from '../platform/tokens';
import { OpenedFreeText, openFreeText, type PhiVault } from '../phi';
import { SAFE_HARBOR, type SafeHarborPort } from '../datasets';
import { INCIDENT_DECIDER, type IncidentDecider } from '../incidents';
import { addDays, localDate } from '../shared/calendar';
import { afterAction, type AfterAction } from './domain/after-action';
import { createExerciseDecider, exerciseStream, type ExerciseCommand, type ExerciseEvent, type ExerciseState } from './domain/exercise';
import { scenarioById, scenarioOpening, syntheticPeople } from './domain/scenarios';
import { renderAfterActionPdf, renderExerciseLetters } from './rendering/exercise-pdf';

type Action = DistributiveOmit<Exclude<ExerciseCommand, { kind: 'open' }>, 'actor' | 'at'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

@Injectable()
export class ExercisesService {
  private readonly decider: Decider<ExerciseState, ExerciseCommand, ExerciseEvent>;

  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(INCIDENT_DECIDER) incident: IncidentDecider,
    @Inject(SAFE_HARBOR) private readonly safeHarbor: SafeHarborPort,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(PHI_VAULT) private readonly vault: PhiVault,
  ) {
    this.decider = createExerciseDecider(incident);
  }

  async open(body: { scenario: string; asOf?: string; seed?: string; title?: string }, ctx: CommandContext) {
    const s = scenarioById(body.scenario);
    if (!s) throw ValidationError.field('scenario', 'no such scenario');
    const exerciseId = uuidv7();
    const asOf = body.asOf ?? localDate(this.ledger.now(), this.config.ORG_TIMEZONE);
    const seed = body.seed ?? exerciseId;
    const { report, prefill } = scenarioOpening(s, seed, asOf, addDays);
    const command: ExerciseCommand = {
      kind: 'open',
      exerciseId,
      title: body.title ?? s.title,
      scenario: s.id,
      seed,
      asOf,
      syntheticIndividuals: s.individuals,
      report,
      prefill,
      actor: ctx.actor,
      at: this.ledger.now().toISOString(),
    };
    const r = await handleCommand(this.ledger, exerciseStream(exerciseId), this.decider, command, ctx, { mode: 'create' });
    return { exerciseId, version: r.nextExpectedVersion };
  }

  async act(exerciseId: string, action: Action, ctx: CommandContext, expectedVersion?: bigint) {
    let a = action;
    if (a.kind === 'incident' && a.command.kind === 'decide-triage' && !a.command.safeguards) {
      // Safe harbor as the ledger answers it on the exercise's date (read only).
      const { state } = await this.load(exerciseId);
      if (state.incident.datasetIds.length > 0) {
        const sg = await this.safeHarbor.safeguardsFor(state.incident.datasetIds, `${state.asOf}T00:00:00.000Z`);
        a = {
          ...a,
          command: {
            ...a.command,
            safeguards: { encryption: sg.encryption, keyCompromised: sg.keyCompromised, destruction: sg.destruction },
          },
        };
      }
    }
    const command = { ...a, actor: ctx.actor, at: this.ledger.now().toISOString() } as ExerciseCommand;
    const r = await handleCommand(this.ledger, exerciseStream(exerciseId), this.decider, command, ctx, {
      mode: 'update',
      ...(expectedVersion !== undefined ? { expectedVersion } : {}),
    }).catch((e: unknown) => {
      if ((e as Error).name === 'StreamNotFoundError') throw new NotFoundError('no such exercise');
      throw e;
    });
    return { version: r.nextExpectedVersion };
  }

  async load(exerciseId: string): Promise<{ state: ExerciseState; version: bigint; events: ExerciseEvent[] }> {
    const events: ExerciseEvent[] = [];
    let state = this.decider.initialState();
    let version: bigint | null = null;
    for (const e of await this.ledger.readStream(exerciseStream(exerciseId))) {
      const ev = { type: e.type, data: e.data } as ExerciseEvent;
      events.push(ev);
      state = this.decider.evolve(state, ev);
      version = e.version;
    }
    if (version === null || !state.exists) throw new NotFoundError('no such exercise');
    return { state, version, events };
  }

  async view(exerciseId: string) {
    const { state: s, version } = await this.load(exerciseId);
    const inc = s.incident;
    return {
      version,
      view: {
        exerciseId,
        exercise: true as const,
        title: s.title,
        scenario: s.scenario,
        asOf: s.asOf,
        openedOn: s.openedOn,
        closedOn: s.closedOn,
        syntheticIndividuals: s.syntheticIndividuals,
        incident: {
          status: inc.status,
          discoveredOn: inc.discoveredOn,
          affected: inc.affected,
          obligations: Object.values(inc.obligations).map((o) => ({
            obligationId: o.obligationId,
            kind: o.kind,
            jurisdiction: o.jurisdiction ?? null,
            dueOn: o.dueOn ?? null,
            status: o.status,
            overdue: o.status !== 'done' && o.status !== 'waived' && o.status !== 'withdrawn' && !!o.dueOn && s.asOf! > o.dueOn,
          })),
        },
        notices: Object.values(s.notices),
        steps: s.steps,
      },
    };
  }

  async afterAction(exerciseId: string): Promise<AfterAction> {
    const { state, events } = await this.load(exerciseId);
    return afterAction(
      state,
      events.flatMap((e) => (e.type === 'ExerciseStepRecorded' ? [e.data] : [])),
    );
  }

  /**
   * The report as a PDF: free text opened for readers of PHI, "[sealed free text]" for the others
   * (auditors); what was opened is recorded as a read of PHI once the report is rendered, before it is sent.
   */
  async afterActionPdf(exerciseId: string, canReadFreeText: boolean, ctx: CommandContext): Promise<Buffer> {
    const opened = new OpenedFreeText();
    const report = (await openFreeText(this.vault, await this.afterAction(exerciseId), canReadFreeText, opened.onOpened)) as AfterAction;
    const pdf = await renderAfterActionPdf(report, { generatedAt: this.ledger.now() });
    await opened.record(this.ledger, ctx, { method: 'GET', route: '/v1/exercises/:id/after-action.pdf', params: { id: exerciseId } });
    return pdf;
  }

  /** Sample letters of a drafted notice, to the first synthetic individuals (up to 5), under the EXERCISE mark. */
  async letters(exerciseId: string, noticeId: string): Promise<Buffer> {
    const { state: s } = await this.load(exerciseId);
    const n = s.notices[noticeId];
    const scenario = s.scenario ? scenarioById(s.scenario) : undefined;
    if (!n || !scenario || !s.seed) throw new NotFoundError('no such notice');
    const o = s.incident.obligations[n.obligationId];
    // Letters never take internal free text: the scenario's own published wording, not what was typed into the exercise.
    return renderExerciseLetters(syntheticPeople(scenario, s.seed, 5), {
      title: scenario.title,
      summary: scenario.report.summary,
      discoveredOn: s.incident.discoveredOn ?? '',
      dueOn: o?.dueOn ?? '',
      generatedAt: this.ledger.now(),
    });
  }
}
