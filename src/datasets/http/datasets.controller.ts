import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Ctx, Roles } from '../../auth/http/decorators';
import type { CommandContext } from '../../ledger/ledger';
import { ApiZodBody, ValidBody, ZodPipe } from '../../platform/http/zod';
import { absPathSchema, idSchema } from '../../shared/agent-protocol';
import { SafeguardsService } from '../../agents/safeguards.service';

const Register = z.strictObject({ datasetId: idSchema.optional(), agentId: idSchema, path: absPathSchema, kind: z.enum(['directory', 'database-datadir']).default('directory') });
const Encrypt = z.strictObject({ keyId: idSchema });
const SecuredQuery = z.strictObject({ at: z.iso.datetime() });
const idParam = new ZodPipe(idSchema);
const READERS = ['security-officer', 'compliance-officer', 'incident-responder', 'auditor'] as const;

@ApiTags('datasets')
@ApiBearerAuth()
@Controller('v1/datasets')
export class DatasetsController {
  constructor(private readonly s: SafeguardsService) {}

  @Post()
  @Roles('security-officer')
  @ApiZodBody(Register)
  register(@ValidBody(Register) body: z.infer<typeof Register>, @Ctx() ctx: CommandContext) {
    return this.s.registerDataset(body, ctx);
  }

  @Get()
  @Roles(...READERS)
  list() {
    return this.s.listDatasets();
  }

  @Get(':id')
  @Roles(...READERS)
  get(@Param('id', idParam) id: string) {
    return this.s.datasetView(id);
  }

  /** Was the dataset secured at that instant, and why (triage contract vocabulary). */
  @Get(':id/secured')
  @Roles(...READERS)
  secured(@Param('id', idParam) id: string, @Query(new ZodPipe(SecuredQuery)) q: z.infer<typeof SecuredQuery>) {
    return this.s.securedAt(id, q.at);
  }

  @Post(':id/encrypt')
  @HttpCode(202)
  @Roles('security-officer')
  @ApiZodBody(Encrypt)
  encrypt(@Param('id', idParam) id: string, @ValidBody(Encrypt) body: z.infer<typeof Encrypt>, @Ctx() ctx: CommandContext) {
    return this.s.encryptDataset(id, body.keyId, ctx);
  }

  /** Proposes dataset.shred: two officers then approve it with their signed approvals. */
  @Post(':id/shred')
  @HttpCode(202)
  @Roles('security-officer')
  shred(@Param('id', idParam) id: string, @Ctx() ctx: CommandContext) {
    return this.s.shredDataset(id, ctx);
  }
}
