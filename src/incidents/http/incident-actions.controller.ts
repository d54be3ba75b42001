import { Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { Ctx, Roles } from '../../auth';
import type { CommandContext } from '../../ledger/ledger';
import { NotFoundError, ValidationError } from '../../platform/errors';
import { etagOf, parseIfMatch } from '../../platform/http/etag';
import { ApiZodBody, ApiZodResponse, ValidBody, ZodPipe } from '../../platform/http/zod';
import { AffectedImportService } from '../affected-import.service';
import { RunIncidentCommand } from '../commands/incident-command';
import {
  AffectedCountsBody,
  AssessExceptionBody,
  CloseIncidentBody,
  CompleteObligationBody,
  ExcludeUnresolvedBody,
  DecideTriageBody,
  EndHoldBody,
  HoldBody,
  ReviseFactsBody,
  RiskAssessmentBody,
  SafeguardsBody,
  WaiverRequestBody,
} from '../domain/incident.schemas';
import { GetIncidentQuery, GetObligationsQuery, GetTimelineQuery, type IncidentView } from '../queries/get-incident';
import { AFFECTED_CSV_DESCRIPTION } from './affected-csv.doc';

const RESPONDERS = ['incident-responder', 'compliance-officer'] as const;
const READERS = ['incident-responder', 'compliance-officer', 'security-officer', 'auditor'] as const;
const IssuesQuery = z
  .object({
    listVersion: z.coerce.number().int().min(1).optional(),
    kind: z.enum(['rejected', 'merged']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();
const IssuesPage = z.object({
  items: z.array(
    z.object({
      line: z.number(),
      kind: z.enum(['rejected', 'merged']),
      column: z.string().optional(),
      reason: z.string(),
      mergedIntoLine: z.number().optional(),
    }),
  ),
  offset: z.number(),
  limit: z.number(),
  more: z.boolean(),
});
const ObligationId = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/);

/**
 * Incident workflow routes: responders report and assess; compliance officers decide, waive and
 * close; auditors read. Every write goes through the decider; If-Match guards against stale writes.
 */
@ApiTags('incidents')
@ApiBearerAuth()
@Controller('v1/incidents/:id')
export class IncidentActionsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly affected: AffectedImportService,
  ) {}

  private async run(
    id: string,
    action: RunIncidentCommand['action'],
    ctx: CommandContext,
    ifMatch: string | undefined,
    res: Response,
  ): Promise<IncidentView> {
    const { version } = await this.commands.execute(new RunIncidentCommand(id, action, ctx, parseIfMatch(ifMatch)));
    const view = await this.queries.execute<GetIncidentQuery, IncidentView>(new GetIncidentQuery(id, version));
    res.setHeader('ETag', etagOf(view.version));
    return view;
  }

  @ApiOperation({ summary: "Revise an incident's facts" })
  @Post('facts')
  @HttpCode(200)
  @Roles(...RESPONDERS)
  @ApiZodBody(ReviseFactsBody)
  reviseFacts(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(ReviseFactsBody) body: ReviseFactsBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(id, { kind: 'revise-facts', facts: body }, ctx, ifMatch, res);
  }

  @ApiOperation({ summary: 'Record a breach-exception assessment' })
  @Post('exception-assessment')
  @HttpCode(200)
  @Roles(...RESPONDERS)
  @ApiZodBody(AssessExceptionBody)
  assessException(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(AssessExceptionBody) body: AssessExceptionBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(id, { kind: 'assess-exception', exception: body.exception, rationale: body.rationale }, ctx, ifMatch, res);
  }

  @ApiOperation({ summary: 'Record the four-factor risk assessment' })
  @Post('risk-assessment')
  @HttpCode(200)
  @Roles(...RESPONDERS)
  @ApiZodBody(RiskAssessmentBody)
  assessRisk(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(RiskAssessmentBody) body: RiskAssessmentBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(
      id,
      { kind: 'record-risk-assessment', factors: body.factors, lowProbabilityOfCompromise: body.lowProbabilityOfCompromise },
      ctx,
      ifMatch,
      res,
    );
  }

  @ApiOperation({ summary: 'Record the safeguards in place (encryption, destruction)' })
  @Post('safeguards')
  @HttpCode(200)
  @Roles('incident-responder', 'compliance-officer', 'security-officer')
  @ApiZodBody(SafeguardsBody)
  safeguards(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(SafeguardsBody) body: SafeguardsBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(id, { kind: 'record-safeguards', safeguards: { ...body, source: 'responder' } }, ctx, ifMatch, res);
  }

  @ApiOperation({ summary: 'Record affected counts by state' })
  @Post('affected-counts')
  @HttpCode(200)
  @Roles(...RESPONDERS)
  @ApiZodBody(AffectedCountsBody)
  counts(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(AffectedCountsBody) body: AffectedCountsBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { byState, insufficientContact, reason, note } = body;
    return this.run(
      id,
      { kind: 'revise-affected-counts', counts: { byState, insufficientContact }, reason, ...(note ? { note } : {}) },
      ctx,
      ifMatch,
      res,
    );
  }

  /** Streamed CSV upload (text/csv): never buffered whole. `?mapping=` takes a JSON column mapping. */
  @ApiOperation({ summary: 'Import the affected individuals (streamed text/csv)', description: AFFECTED_CSV_DESCRIPTION })
  @Post('affected')
  @HttpCode(201)
  @Roles(...RESPONDERS)
  @ApiConsumes('text/csv')
  async importAffected(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query('mapping') mapping: string | undefined,
    @Req() req: Request,
    @Ctx() ctx: CommandContext,
  ) {
    const type = String(req.headers['content-type'] ?? '');
    if (!/^text\/csv\b/i.test(type)) {
      req.resume();
      throw ValidationError.field('content-type', 'expected text/csv');
    }
    return this.affected.import(id, req, ctx, { mapping: this.affected.parseMapping(mapping) });
  }

  /** Unresolved rows block every notice release until fixed by re-import or excluded here, with a written reason. */
  @ApiOperation({ summary: 'Exclude the unresolved rows of an affected list, with a reason' })
  @Post('affected/unresolved/exclude')
  @HttpCode(200)
  @Roles('compliance-officer')
  @ApiZodBody(ExcludeUnresolvedBody)
  excludeUnresolved(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(ExcludeUnresolvedBody) body: ExcludeUnresolvedBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(id, { kind: 'exclude-unresolved', listVersion: body.listVersion, reason: body.reason }, ctx, ifMatch, res);
  }

  /** The PHI-free issue report (NDJSON: line, column, reason) of the latest or a given list version. */
  @ApiOperation({ summary: 'The affected-list issue report (NDJSON, no PHI)' })
  @Get('affected/report')
  @Roles(...READERS)
  async affectedReport(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query('listVersion') listVersion: string | undefined,
    @Res() res: Response,
  ) {
    const v = listVersion === undefined ? undefined : new ZodPipe(z.coerce.number().int().min(1)).transform(listVersion);
    const it = this.affected.report(id, v);
    const first = await it.next();
    res.status(200).type('application/x-ndjson');
    if (!first.done) res.write(first.value);
    for await (const chunk of it) res.write(chunk);
    res.end();
  }

  /** One page of the issue report (rejected and merged rows), for the console: never the whole report. */
  @ApiOperation({ summary: 'One page of the affected-list issue report' })
  @Get('affected/issues')
  @Roles(...READERS)
  @ApiZodResponse(IssuesPage)
  affectedIssues(@Param('id', new ParseUUIDPipe()) id: string, @Query(new ZodPipe(IssuesQuery)) q: z.infer<typeof IssuesQuery>) {
    return this.affected.issues(id, q);
  }

  @ApiOperation({ summary: 'Record a law-enforcement delay of notification' })
  @Post('holds')
  @HttpCode(201)
  @Roles(...RESPONDERS)
  @ApiZodBody(HoldBody)
  async hold(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(HoldBody) body: HoldBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const holdId = randomUUID();
    const incident = await this.run(id, { kind: 'record-hold', holdId, ...body }, ctx, ifMatch, res);
    return { holdId, incident };
  }

  @ApiOperation({ summary: 'End a law-enforcement delay' })
  @Post('holds/:holdId/end')
  @HttpCode(200)
  @Roles(...RESPONDERS)
  @ApiZodBody(EndHoldBody)
  endHold(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('holdId', new ParseUUIDPipe()) holdId: string,
    @ValidBody(EndHoldBody) body: EndHoldBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(id, { kind: 'end-hold', holdId, ...body }, ctx, ifMatch, res);
  }

  /** The compliance officer's triage decision (the engine of /v1/triage/evaluate on the ledger's facts). */
  @ApiOperation({ summary: "Record the compliance officer's triage decision" })
  @Post('triage')
  @HttpCode(200)
  @Roles('compliance-officer')
  @ApiZodBody(DecideTriageBody)
  async decide(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(DecideTriageBody) body: DecideTriageBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { version } = await this.commands.execute(
      new RunIncidentCommand(
        id,
        { kind: 'decide-triage', ...(body.lawEnforcementPolicy ? { policy: body.lawEnforcementPolicy } : {}) },
        ctx,
        parseIfMatch(ifMatch),
      ),
    );
    const incident = await this.queries.execute<GetIncidentQuery, IncidentView>(new GetIncidentQuery(id, version));
    const timeline = await this.queries.execute(new GetTimelineQuery(id));
    const decision = [...(timeline as { entries: Array<{ type: string; data: Record<string, unknown> }> }).entries]
      .reverse()
      .find((e) => e.type === 'TriageDecided');
    const obligations = await this.queries.execute(new GetObligationsQuery(id, version));
    res.setHeader('ETag', etagOf(incident.version));
    return { incident, decision: decision?.data, obligations: (obligations as { obligations: unknown[] }).obligations };
  }

  @ApiOperation({ summary: "List an incident's notification obligations" })
  @Get('obligations')
  @Roles(...READERS)
  obligations(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.queries.execute(new GetObligationsQuery(id));
  }

  @ApiOperation({ summary: 'Start work on an obligation' })
  @Post('obligations/:obligationId/start')
  @HttpCode(200)
  @Roles(...RESPONDERS)
  startObligation(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('obligationId', new ZodPipe(ObligationId)) oid: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(id, { kind: 'start-obligation', obligationId: oid }, ctx, ifMatch, res);
  }

  @ApiOperation({ summary: 'Complete an obligation with evidence' })
  @Post('obligations/:obligationId/complete')
  @HttpCode(200)
  @Roles(...RESPONDERS)
  @ApiZodBody(CompleteObligationBody)
  completeObligation(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('obligationId', new ZodPipe(ObligationId)) oid: string,
    @ValidBody(CompleteObligationBody) body: CompleteObligationBody,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(id, { kind: 'complete-obligation', obligationId: oid, evidence: body }, ctx, ifMatch, res);
  }

  @ApiOperation({ summary: 'Request a waiver of an obligation' })
  @Post('obligations/:obligationId/waiver')
  @HttpCode(200)
  @Roles('compliance-officer')
  @ApiZodBody(WaiverRequestBody)
  requestWaiver(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('obligationId', new ZodPipe(ObligationId)) oid: string,
    @ValidBody(WaiverRequestBody) body: { reason: string },
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(id, { kind: 'request-waiver', obligationId: oid, reason: body.reason }, ctx, ifMatch, res);
  }

  /** The second compliance officer approves (two-person rule: never the requester). */
  @ApiOperation({ summary: 'Approve an obligation waiver (second officer)' })
  @Post('obligations/:obligationId/waiver/approve')
  @HttpCode(200)
  @Roles('compliance-officer')
  approveWaiver(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('obligationId', new ZodPipe(ObligationId)) oid: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(id, { kind: 'approve-waiver', obligationId: oid }, ctx, ifMatch, res);
  }

  @ApiOperation({ summary: 'Close an incident' })
  @Post('close')
  @HttpCode(200)
  @Roles('compliance-officer')
  @ApiZodBody(CloseIncidentBody)
  close(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(CloseIncidentBody) body: { note?: string },
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.run(id, { kind: 'close', ...(body.note ? { note: body.note } : {}) }, ctx, ifMatch, res);
  }

  /**
   * Why the latest triage decision owes what it owes, jurisdiction by jurisdiction (rule versions,
   * citations, sources, review flags), as recorded with the decision.
   */
  @ApiOperation({ summary: 'Explain the latest triage decision jurisdiction by jurisdiction' })
  @Get('explain')
  @Roles(...READERS)
  async explain(@Param('id', new ParseUUIDPipe()) id: string) {
    const timeline = (await this.queries.execute(new GetTimelineQuery(id))) as {
      entries: Array<{ type: string; data: Record<string, unknown> }>;
    };
    const decision = [...timeline.entries].reverse().find((e) => e.type === 'TriageDecided');
    if (!decision) throw new NotFoundError('no triage decision yet');
    const { decisionId, sequence, trigger, decidedOn, ruleSet, ruleVersion, explain } = decision.data;
    return { incidentId: id, decisionId, sequence, trigger, decidedOn, ruleSet, ruleVersion, explain: explain ?? null };
  }

  /** Everything that happened, read from the ledger. */
  @ApiOperation({ summary: "An incident's timeline from the ledger" })
  @Get('timeline')
  @Roles(...READERS)
  timeline(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.queries.execute(new GetTimelineQuery(id));
  }
}
