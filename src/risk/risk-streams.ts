/**
 * The risk context's three streams — assessments, the program, candidates — loaded (folded) and
 * decided on through handleCommand. Command handlers and queries share it; it also gives every
 * command its `actor` and `today` (the organization's calendar date from the injected clock).
 */
import { Inject, Injectable } from '@nestjs/common';
import type { CommandOn } from '../ledger/command';
import { handleCommand, loadState, type HandleOptions } from '../ledger/decider';
import { LEDGER, type CommandContext, type Ledger } from '../ledger/ledger';
import { APP_CONFIG, type AppConfig } from '../platform/config';
import { NotFoundError } from '../platform/errors';
import { uuidv7 } from '../platform/ids';
import { localDate } from '../shared/calendar';
import type { WorkflowDefinition } from '../workflows';
import type { WorkflowRegistry } from '../workflows';
import { WORKFLOW_REGISTRY } from '../workflows';
import { assessmentDecider, assessmentStream, type AssessmentCommand, type AssessmentState } from './domain/assessment';
import { AFTER_CHANGE_WORKFLOW, candidateDecider, candidateStream, type CandidateCommand } from './domain/candidates';
import { ANNUAL_REVIEW_WORKFLOW, programDecider, programStream, type ProgramCommand } from './domain/program';

type Mode = Pick<HandleOptions, 'mode' | 'expectedVersion'>;

@Injectable()
export class RiskStreams {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(WORKFLOW_REGISTRY) private readonly workflows: WorkflowRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Who and when, for every risk command. */
  on(ctx: CommandContext): CommandOn {
    return { actor: ctx.actor, today: localDate(this.ledger.now(), this.config.ORG_TIMEZONE) };
  }

  newId(): string {
    return uuidv7();
  }

  annualReview(): WorkflowDefinition {
    return this.workflows.current(ANNUAL_REVIEW_WORKFLOW);
  }

  reviewAfterChange(): WorkflowDefinition {
    return this.workflows.current(AFTER_CHANGE_WORKFLOW);
  }

  async loadAssessment(id: string): Promise<{ state: AssessmentState; version: bigint }> {
    const { state, version } = await loadState(this.ledger, assessmentStream(id), assessmentDecider);
    if (!state.exists || version === null) throw new NotFoundError('risk assessment not found');
    return { state, version };
  }

  async loadProgram(id: string) {
    const { state, version } = await loadState(this.ledger, programStream(id), programDecider);
    if (!state.exists) throw new NotFoundError('risk program not found');
    return { state, version };
  }

  async loadCandidate(id: string) {
    const { state } = await loadState(this.ledger, candidateStream(id), candidateDecider);
    if (!state.exists || !state.candidate) throw new NotFoundError('risk candidate not found');
    return { state: state as typeof state & { candidate: NonNullable<typeof state.candidate> } };
  }

  assessment(id: string, command: AssessmentCommand, ctx: CommandContext, options: Mode) {
    return handleCommand(this.ledger, assessmentStream(id), assessmentDecider, command, ctx, options);
  }

  /** A change to an existing assessment's register: its state and the version after the change. */
  async onAssessment(
    id: string,
    command: AssessmentCommand,
    ctx: CommandContext,
    expectedVersion?: bigint,
  ): Promise<{ state: AssessmentState; version: bigint }> {
    await this.loadAssessment(id);
    const r = await this.assessment(id, command, ctx, { mode: 'update', expectedVersion });
    return { state: r.state, version: r.nextExpectedVersion };
  }

  program(id: string, command: ProgramCommand, ctx: CommandContext, options: Mode) {
    return handleCommand(this.ledger, programStream(id), programDecider, command, ctx, options);
  }

  candidate(id: string, command: CandidateCommand, ctx: CommandContext, options: Mode = {}) {
    return handleCommand(this.ledger, candidateStream(id), candidateDecider, command, ctx, options);
  }
}
