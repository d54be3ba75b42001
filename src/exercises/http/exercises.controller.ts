import { Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Ctx, Roles } from '../../auth';
import type { CommandContext } from '../../ledger/ledger';
import { etagOf, parseIfMatch } from '../../platform/http/etag';
import { ApiZodBody, ValidBody, ZodPipe } from '../../platform/http/zod';
import { CalendarDateSchema } from '../../shared/calendar-schema';
import { PHI_READER_ROLES } from '../../shared/roles';
import { MAX_ADVANCE_DAYS } from '../domain/exercise';
import { SCENARIOS } from '../domain/scenarios';
import { ExercisesService } from '../exercises.service';

/** The shared calendar date (documented as `format: date`, so the hostile-input test checks it). */
const isoDate = CalendarDateSchema;
const Open = z.strictObject({
  scenario: z.enum(SCENARIOS.map((s) => s.id) as [string, ...string[]]),
  asOf: isoDate.optional(),
  seed: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/)
    .optional(),
  title: z.string().min(1).max(200).optional(),
});
const Triage = z.strictObject({ policy: z.enum(['toll', 'strict']).optional() });
const Advance = z.strictObject({ days: z.number().int().min(1).max(MAX_ADVANCE_DAYS) });
const Complete = z.strictObject({ description: z.string().min(1).max(2000), completedOn: isoDate.optional() });
const Draft = z.strictObject({ obligationId: z.string().min(1).max(200) });
const uuid = new ZodPipe(z.uuid());
const key = new ZodPipe(z.string().regex(/^[A-Za-z0-9._-]{1,200}$/));
const ACTORS = ['compliance-officer', 'security-officer', 'incident-responder'] as const;

/**
 * Breach exercises: the real incident workflow on an exercise clock, kept in its own stream.
 * Nothing here sends email, posts a page or reaches an agent. ETag: the exercise's version.
 */
@ApiTags('exercises')
@ApiBearerAuth()
@Controller('v1/exercises')
export class ExercisesController {
  constructor(private readonly exercises: ExercisesService) {}

  @ApiOperation({ summary: 'List tabletop exercise scenarios' })
  @Get('scenarios')
  @Roles(...ACTORS, 'auditor')
  scenarios() {
    return SCENARIOS.map((s) => ({ id: s.id, title: s.title, description: s.description, individuals: s.individuals }));
  }

  @ApiOperation({ summary: 'Open a tabletop exercise' })
  @Post()
  @Roles(...ACTORS)
  @ApiZodBody(Open)
  async open(@ValidBody(Open) body: z.infer<typeof Open>, @Ctx() ctx: CommandContext, @Res({ passthrough: true }) res: Response) {
    const r = await this.exercises.open(body, ctx);
    res.status(201).setHeader('Location', `/v1/exercises/${r.exerciseId}`);
    return this.answer(r.exerciseId, res);
  }

  @ApiOperation({ summary: 'Get an exercise' })
  @Get(':id')
  @Roles(...ACTORS, 'auditor')
  get(@Param('id', uuid) id: string, @Res({ passthrough: true }) res: Response) {
    return this.answer(id, res);
  }

  @ApiOperation({ summary: "Record an exercise's triage decision" })
  @Post(':id/triage')
  @HttpCode(200)
  @Roles(...ACTORS)
  async triage(
    @Param('id', uuid) id: string,
    @ValidBody(Triage) body: z.infer<typeof Triage>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const command = {
      kind: 'decide-triage' as const,
      decisionId: `d-${Date.now().toString(36)}`,
      ...(body.policy ? { policy: body.policy } : {}),
    };
    await this.exercises.act(id, { kind: 'incident', command }, ctx, parseIfMatch(ifMatch));
    return this.answer(id, res);
  }

  /** Fast-forward the exercise clock. */
  @ApiOperation({ summary: "Fast-forward an exercise's clock" })
  @Post(':id/advance')
  @HttpCode(200)
  @Roles(...ACTORS)
  async advance(
    @Param('id', uuid) id: string,
    @ValidBody(Advance) body: z.infer<typeof Advance>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.exercises.act(id, { kind: 'advance-clock', days: body.days }, ctx, parseIfMatch(ifMatch));
    return this.answer(id, res);
  }

  @ApiOperation({ summary: 'Complete an exercise obligation' })
  @Post(':id/obligations/:obligationId/complete')
  @HttpCode(200)
  @Roles(...ACTORS)
  async complete(
    @Param('id', uuid) id: string,
    @Param('obligationId', key) obligationId: string,
    @ValidBody(Complete) body: z.infer<typeof Complete>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { view } = await this.exercises.view(id);
    const evidence = { description: body.description, completedOn: body.completedOn ?? view.asOf! };
    await this.exercises.act(
      id,
      { kind: 'incident', command: { kind: 'complete-obligation', obligationId, evidence } },
      ctx,
      parseIfMatch(ifMatch),
    );
    return this.answer(id, res);
  }

  @ApiOperation({ summary: 'Draft an exercise notice' })
  @Post(':id/notices')
  @Roles(...ACTORS)
  async draft(
    @Param('id', uuid) id: string,
    @ValidBody(Draft) body: z.infer<typeof Draft>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { view } = await this.exercises.view(id);
    const noticeId = `n${view.notices.length + 1}`;
    await this.exercises.act(id, { kind: 'draft-notice', noticeId, obligationId: body.obligationId }, ctx, parseIfMatch(ifMatch));
    res.status(201);
    return this.answer(id, res);
  }

  @ApiOperation({ summary: 'Approve an exercise notice' })
  @Post(':id/notices/:noticeId/approve')
  @HttpCode(200)
  @Roles('compliance-officer', 'security-officer')
  async approve(
    @Param('id', uuid) id: string,
    @Param('noticeId', key) noticeId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.exercises.act(id, { kind: 'approve-notice', noticeId }, ctx, parseIfMatch(ifMatch));
    return this.answer(id, res);
  }

  /** Sample letters to synthetic individuals, rendered under the EXERCISE mark (never sent). */
  @ApiOperation({ summary: 'Sample exercise letters to synthetic individuals (PDF)' })
  @Get(':id/notices/:noticeId/letters.pdf')
  @Roles(...ACTORS, 'auditor')
  async letters(@Param('id', uuid) id: string, @Param('noticeId', key) noticeId: string, @Res() res: Response) {
    const pdf = await this.exercises.letters(id, noticeId);
    res.setHeader('Content-Type', 'application/pdf').send(pdf);
  }

  @ApiOperation({ summary: 'Close an exercise' })
  @Post(':id/close')
  @HttpCode(200)
  @Roles(...ACTORS)
  async close(
    @Param('id', uuid) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.exercises.act(id, { kind: 'close' }, ctx, parseIfMatch(ifMatch));
    return this.answer(id, res);
  }

  @ApiOperation({ summary: "An exercise's after-action report" })
  @Get(':id/after-action')
  @Roles(...ACTORS, 'auditor')
  afterAction(@Param('id', uuid) id: string) {
    return this.exercises.afterAction(id);
  }

  @ApiOperation({ summary: "An exercise's after-action report (PDF)" })
  @Get(':id/after-action.pdf')
  @Roles(...ACTORS, 'auditor')
  async afterActionPdf(@Param('id', uuid) id: string, @Ctx() ctx: CommandContext, @Res() res: Response) {
    const pdf = await this.exercises.afterActionPdf(id, (PHI_READER_ROLES as readonly string[]).includes(ctx.actor.role), ctx);
    res.setHeader('Content-Type', 'application/pdf').send(pdf);
  }

  private async answer(id: string, res: Response) {
    const { view, version } = await this.exercises.view(id);
    res.setHeader('ETag', etagOf(version));
    return view;
  }
}
