import { Controller, Get, Inject, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../../auth';
import { INTEGRITY } from '../../ledger/integrity/integrity.tokens';
import type { IntegrityService } from '../../ledger/integrity/integrity.service';
import { integrityOrFail, mapIntegrityErrors } from '../../ledger/integrity/http/ledger.controller';
import { CLOCK, type Clock } from '../../platform/clock';
import { exportIncidentEvidence } from '../evidence.service';

@ApiTags('evidence')
@ApiBearerAuth()
@Controller('v1/evidence')
export class EvidenceController {
  constructor(
    @Inject(INTEGRITY) private readonly integrity: IntegrityService | null,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The incident's events with inclusion proofs, the cosigned checkpoint, keys and an offline verifier (ZIP). */
  @ApiOperation({ summary: "Export an incident's evidence bundle (ZIP with proofs and an offline verifier)" })
  @Get('incidents/:id')
  @Roles('auditor', 'compliance-officer', 'security-officer')
  @ApiProduces('application/zip')
  async export(@Param('id', new ParseUUIDPipe()) id: string, @Res() res: Response): Promise<void> {
    const r = await mapIntegrityErrors(() => exportIncidentEvidence(integrityOrFail(this.integrity), id, this.clock));
    res
      .status(200)
      .setHeader('Content-Type', 'application/zip')
      .setHeader('Content-Disposition', `attachment; filename="evidence-${id}.zip"`)
      .setHeader('X-Evidence-Events', String(r.events))
      .setHeader('X-Evidence-Checkpoint-Size', String(r.checkpointSize))
      .send(r.zip);
  }
}
