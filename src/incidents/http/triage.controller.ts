import { Body, Controller, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../../auth/http/decorators';
import { ApiZodBody } from '../../platform/http/zod';
import type { StateOverlaySet } from '../domain/triage/state-overlays';
import { triageInputSchema } from '../domain/triage/triage-input';
import { evaluateTriageRequest, STATE_OVERLAYS } from '../triage.service';

/** POST /v1/triage/evaluate: the pure triage contract (shared/contracts/triage.md). No PHI in or out. */
@ApiTags('triage')
@ApiBearerAuth()
@Controller('v1/triage')
export class TriageController {
  constructor(@Inject(STATE_OVERLAYS) private readonly overlays: StateOverlaySet) {}

  @Post('evaluate')
  @HttpCode(200)
  @Roles('compliance-officer', 'incident-responder', 'security-officer', 'auditor')
  @ApiZodBody(triageInputSchema)
  evaluate(@Body() body: unknown, @Res() res: Response): void {
    // Validated by the engine itself (the same validation as the CLI), then sent as the exact
    // bytes the CLI prints.
    const { body: json } = evaluateTriageRequest(body, this.overlays);
    res.status(200).type('application/json').send(json);
  }
}
