import { Body, Controller, HttpCode, Inject, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../../auth';
import { ApiZodBody } from '../../platform/http/zod';
import type { StateOverlaySet } from '../domain/triage/state-overlays';
import { triageInputSchema } from '../domain/triage/triage-input';
import { evaluateTriageRequest, parseExplainFlag, STATE_OVERLAYS } from '../triage.service';

/** POST /v1/triage/evaluate: the pure triage contract (shared/contracts/triage.md). No PHI in or out. */
@ApiTags('triage')
@ApiBearerAuth()
@Controller('v1/triage')
export class TriageController {
  constructor(@Inject(STATE_OVERLAYS) private readonly overlays: StateOverlaySet) {}

  @ApiOperation({ summary: 'Evaluate breach-notification triage for given facts (no ledger write)' })
  @Post('evaluate')
  @HttpCode(200)
  @Roles('compliance-officer', 'incident-responder', 'security-officer', 'auditor')
  @ApiZodBody(triageInputSchema)
  @ApiQuery({
    name: 'explain',
    required: false,
    description: 'true: add the explain section (why each jurisdiction owes what, with rule versions and citations)',
  })
  evaluate(@Body() body: unknown, @Query('explain') explain: string | undefined, @Res() res: Response): void {
    // Validated by the engine itself (the same validation as the CLI), then sent as the exact
    // bytes the CLI prints.
    const { body: json } = evaluateTriageRequest(body, this.overlays, { explain: parseExplainFlag(explain) });
    res.status(200).type('application/json').send(json);
  }
}
