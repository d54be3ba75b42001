import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../../auth';
import { ZodPipe } from '../../platform/http/zod';
import { idSchema } from '../../shared/agent-protocol';
import { costModelOverrides, costModelWith } from '../domain/cost-model';
import { ExposureService } from '../exposure.service';

/** `?datasets=a,b` (absent: every dataset) and any cost-model field to override its default. */
export const ExposureQuery = costModelOverrides.extend({
  datasets: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(idSchema).min(1).max(500))
    .optional(),
});

/**
 * What a leak of each dataset would cost today, with and without the safe harbor. No PHI:
 * counts by state and kinds of identifiers only.
 */
@ApiTags('exposure')
@ApiBearerAuth()
@Controller('v1/exposure')
export class ExposureController {
  constructor(private readonly exposure: ExposureService) {}

  @ApiOperation({ summary: 'Exposure and estimated breach cost of the datasets' })
  @Get()
  @Roles('compliance-officer', 'security-officer', 'incident-responder', 'auditor')
  get(@Query(new ZodPipe(ExposureQuery)) q: z.infer<typeof ExposureQuery>) {
    const { datasets, ...overrides } = q;
    return this.exposure.report(datasets ? [...new Set(datasets)] : undefined, costModelWith(overrides));
  }
}
