import { Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Ctx, Roles } from '../../auth';
import type { CommandContext } from '../../ledger/ledger';
import { etagOf, parseIfMatch } from '../../platform/http/etag';
import { ApiZodBody, ValidBody } from '../../platform/http/zod';
import {
  AdoptRiskCandidateCommand,
  CompleteRiskAssessmentCommand,
  DismissRiskCandidateCommand,
  EstablishRiskProgramCommand,
  IdentifyRiskCommand,
  ProposeRiskCandidateCommand,
  RegisterRiskAssetCommand,
  RunAssessmentCommand,
  StartRiskAssessmentCommand,
} from '../commands';
import type { AssessmentDiff } from '../domain/diff';
import type { Asset, TreatmentOption } from '../domain/assessment';
import type { CandidateInput } from '../domain/candidates';
import { RiskQueries } from '../queries/risk.queries';
import {
  AcceptanceBody,
  AdoptBody,
  AssetBody,
  CandidateBody,
  DismissBody,
  EstablishProgramBody,
  RatingBody,
  RiskBody,
  StartAssessmentBody,
  TreatmentBody,
} from './risk.schemas';
import type { z } from 'zod';

const READERS = ['compliance-officer', 'security-officer', 'incident-responder', 'auditor'] as const;
const ASSESSORS = ['compliance-officer', 'security-officer'] as const;

@ApiTags('risk')
@ApiBearerAuth()
@Controller('v1/risk')
export class RiskController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: RiskQueries,
  ) {}

  @ApiOperation({ summary: 'List the risk catalogs' })
  @Get('catalogs')
  @Roles(...READERS)
  catalogs() {
    return this.queries.catalogs();
  }

  @ApiOperation({ summary: 'Establish a risk program' })
  @Post('programs')
  @Roles(...ASSESSORS)
  @ApiZodBody(EstablishProgramBody)
  async establish(
    @ValidBody(EstablishProgramBody) body: z.infer<typeof EstablishProgramBody>,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.commands.execute(new EstablishRiskProgramCommand(body, ctx));
    res.status(201).setHeader('Location', `/v1/risk/programs/${body.programId}`);
    return this.queries.getProgram(body.programId);
  }

  @ApiOperation({ summary: 'Get a risk program' })
  @Get('programs/:id')
  @Roles(...READERS)
  program(@Param('id') id: string) {
    return this.queries.getProgram(id);
  }

  @ApiOperation({ summary: 'List risk assessments' })
  @Get('assessments')
  @Roles(...READERS)
  list(@Query('programId') programId?: string) {
    return this.queries.listAssessments(programId);
  }

  @ApiOperation({ summary: 'Start a risk assessment' })
  @Post('assessments')
  @Roles(...ASSESSORS)
  @ApiZodBody(StartAssessmentBody)
  async start(
    @ValidBody(StartAssessmentBody) body: z.infer<typeof StartAssessmentBody>,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.commands.execute<
      StartRiskAssessmentCommand,
      { assessmentId: string; version: bigint; diff: AssessmentDiff | null }
    >(new StartRiskAssessmentCommand(body, ctx));
    res.status(201).setHeader('ETag', etagOf(r.version)).setHeader('Location', `/v1/risk/assessments/${r.assessmentId}`);
    return { assessment: await this.queries.getAssessment(r.assessmentId), diff: r.diff };
  }

  @ApiOperation({ summary: 'Get a risk assessment' })
  @Get('assessments/:id')
  @Roles(...READERS)
  async get(@Param('id', new ParseUUIDPipe()) id: string, @Res({ passthrough: true }) res: Response) {
    const a = await this.queries.getAssessment(id);
    res.setHeader('ETag', etagOf(a.version));
    return a;
  }

  @ApiOperation({ summary: 'Compare a risk assessment with the previous one' })
  @Get('assessments/:id/diff')
  @Roles(...READERS)
  diff(@Param('id', new ParseUUIDPipe()) id: string) {
    return this.queries.diff(id);
  }

  @ApiOperation({ summary: "A risk assessment's report (PDF)" })
  @Get('assessments/:id/report.pdf')
  @Roles(...READERS)
  async report(@Param('id', new ParseUUIDPipe()) id: string, @Res() res: Response) {
    const pdf = await this.queries.report(id);
    res
      .status(200)
      .setHeader('Content-Type', 'application/pdf')
      .setHeader('Content-Disposition', `attachment; filename="risk-assessment-${id}.pdf"`)
      .send(pdf);
  }

  private run(
    id: string,
    action: RunAssessmentCommand['action'],
    ctx: CommandContext,
    expectedVersion?: bigint,
  ): Promise<{ version: bigint }> {
    return this.commands.execute(new RunAssessmentCommand(id, action, ctx, expectedVersion));
  }

  private async after(id: string, version: bigint, res: Response, extra: Record<string, unknown> = {}) {
    res.setHeader('ETag', etagOf(version));
    return { ...extra, assessment: await this.queries.getAssessment(id) };
  }

  @ApiOperation({ summary: 'Add an asset to a risk assessment' })
  @Post('assessments/:id/assets')
  @Roles(...ASSESSORS)
  @ApiZodBody(AssetBody)
  async asset(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(AssetBody) body: z.infer<typeof AssetBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.commands.execute<RegisterRiskAssetCommand, { version: bigint; assetId: string }>(
      new RegisterRiskAssetCommand(id, body as Omit<Asset, 'assetId'>, ctx, parseIfMatch(ifMatch)),
    );
    res.status(201);
    return this.after(id, r.version, res, { assetId: r.assetId });
  }

  @ApiOperation({ summary: 'Add a risk to a risk assessment' })
  @Post('assessments/:id/risks')
  @Roles(...ASSESSORS)
  @ApiZodBody(RiskBody)
  async risk(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(RiskBody) body: z.infer<typeof RiskBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.commands.execute<IdentifyRiskCommand, { version: bigint; riskId: string }>(
      new IdentifyRiskCommand(id, body, ctx, parseIfMatch(ifMatch)),
    );
    res.status(201);
    return this.after(id, r.version, res, { riskId: r.riskId });
  }

  @ApiOperation({ summary: 'Rate a risk' })
  @Post('assessments/:id/risks/:riskId/ratings')
  @Roles(...ASSESSORS)
  @ApiZodBody(RatingBody)
  async rateRisk(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('riskId') riskId: string,
    @ValidBody(RatingBody) body: z.infer<typeof RatingBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.run(id, { kind: 'rate-risk', riskId, ...body }, ctx, parseIfMatch(ifMatch));
    return this.after(id, r.version, res);
  }

  @ApiOperation({ summary: "Record a risk's treatment plan" })
  @Post('assessments/:id/risks/:riskId/treatment')
  @Roles(...ASSESSORS)
  @ApiZodBody(TreatmentBody)
  async treat(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('riskId') riskId: string,
    @ValidBody(TreatmentBody) body: z.infer<typeof TreatmentBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.run(
      id,
      { kind: 'plan-treatment', riskId, ...body, option: body.option as TreatmentOption },
      ctx,
      parseIfMatch(ifMatch),
    );
    return this.after(id, r.version, res);
  }

  @ApiOperation({ summary: 'Accept a risk' })
  @Post('assessments/:id/risks/:riskId/acceptances')
  @Roles(...ASSESSORS)
  @ApiZodBody(AcceptanceBody)
  async accept(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('riskId') riskId: string,
    @ValidBody(AcceptanceBody) body: z.infer<typeof AcceptanceBody>,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.run(id, { kind: 'accept-risk', riskId, ...body }, ctx);
    res.status(201);
    return this.after(id, r.version, res);
  }

  @ApiOperation({ summary: 'Submit a risk assessment for approval' })
  @Post('assessments/:id/submit')
  @HttpCode(200)
  @Roles(...ASSESSORS)
  async submit(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.run(id, { kind: 'submit' }, ctx, parseIfMatch(ifMatch));
    return this.after(id, r.version, res);
  }

  @ApiOperation({ summary: 'Approve a risk assessment' })
  @Post('assessments/:id/approve')
  @HttpCode(200)
  @Roles(...ASSESSORS)
  async approve(@Param('id', new ParseUUIDPipe()) id: string, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const r = await this.run(id, { kind: 'approve' }, ctx);
    return this.after(id, r.version, res);
  }

  @ApiOperation({ summary: 'Complete a risk assessment' })
  @Post('assessments/:id/complete')
  @HttpCode(200)
  @Roles(...ASSESSORS)
  async complete(@Param('id', new ParseUUIDPipe()) id: string, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const r = await this.commands.execute<CompleteRiskAssessmentCommand, { version: bigint }>(new CompleteRiskAssessmentCommand(id, ctx));
    return this.after(id, r.version, res);
  }

  @ApiOperation({ summary: 'List risk candidates' })
  @Get('candidates')
  @Roles(...READERS)
  candidates(@Query('status') status?: string) {
    return this.queries.listCandidates(status);
  }

  @ApiOperation({ summary: 'Propose a risk candidate' })
  @Post('candidates')
  @Roles('compliance-officer', 'security-officer', 'incident-responder')
  @ApiZodBody(CandidateBody)
  async propose(
    @ValidBody(CandidateBody) body: z.infer<typeof CandidateBody>,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.commands.execute<ProposeRiskCandidateCommand, { created: boolean }>(
      new ProposeRiskCandidateCommand(body as CandidateInput, ctx),
    );
    res.status(r.created ? 201 : 200);
    return r;
  }

  @ApiOperation({ summary: 'Adopt a risk candidate into an assessment' })
  @Post('candidates/:id/adopt')
  @HttpCode(200)
  @Roles(...ASSESSORS)
  @ApiZodBody(AdoptBody)
  async adopt(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(AdoptBody) body: z.infer<typeof AdoptBody>,
    @Ctx() ctx: CommandContext,
  ) {
    const { assessmentId, ...risk } = body;
    const r = await this.commands.execute<AdoptRiskCandidateCommand, { riskId: string; version: bigint }>(
      new AdoptRiskCandidateCommand(id, assessmentId, risk, ctx),
    );
    return { riskId: r.riskId, assessmentId, version: Number(r.version) };
  }

  @ApiOperation({ summary: 'Dismiss a risk candidate' })
  @Post('candidates/:id/dismiss')
  @HttpCode(200)
  @Roles(...ASSESSORS)
  @ApiZodBody(DismissBody)
  dismiss(
    @Param('id', new ParseUUIDPipe()) id: string,
    @ValidBody(DismissBody) body: z.infer<typeof DismissBody>,
    @Ctx() ctx: CommandContext,
  ) {
    return this.commands.execute(new DismissRiskCandidateCommand(id, body.reason, ctx));
  }
}
