import { Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Ctx, Roles } from '../../auth';
import type { CommandContext } from '../../ledger/ledger';
import { etagOf, parseIfMatch } from '../../platform/http/etag';
import { ApiZodBody, ValidBody, ZodPipe } from '../../platform/http/zod';
import { absPathSchema, idSchema } from '../../shared/agent-protocol';
import {
  DatasetSecuredAtQuery,
  EncryptDatasetCommand,
  GetDatasetQuery,
  ListDatasetsQuery,
  RegisterDatasetCommand,
  ShredDatasetCommand,
  type DatasetResult,
} from '../messages';

const Register = z.strictObject({
  datasetId: idSchema.optional(),
  agentId: idSchema,
  path: absPathSchema,
  kind: z.enum(['directory', 'database-datadir']).default('directory'),
});
const Encrypt = z.strictObject({ keyId: idSchema });
const SecuredQuery = z.strictObject({ at: z.iso.datetime() });
const idParam = new ZodPipe(idSchema);
const READERS = ['security-officer', 'compliance-officer', 'incident-responder', 'auditor'] as const;

/**
 * Datasets. The ETag is the dataset stream's version. Encrypt and shred send commands to the
 * dataset's host without changing the dataset (only the agent's proven result does): they
 * check If-Match against the dataset and answer with its unchanged ETag.
 */
@ApiTags('datasets')
@ApiBearerAuth()
@Controller('v1/datasets')
export class DatasetsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post()
  @Roles('security-officer')
  @ApiZodBody(Register)
  async register(
    @ValidBody(Register) body: z.infer<typeof Register>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.commands.execute<RegisterDatasetCommand, { datasetId: string; version: bigint }>(
      new RegisterDatasetCommand(body, ctx, parseIfMatch(ifMatch)),
    );
    const { view, version } = await this.queries.execute<GetDatasetQuery, DatasetResult>(new GetDatasetQuery(r.datasetId, r.version));
    res.status(201).setHeader('ETag', etagOf(version)).setHeader('Location', `/v1/datasets/${r.datasetId}`);
    return view;
  }

  @Get()
  @Roles(...READERS)
  list() {
    return this.queries.execute(new ListDatasetsQuery());
  }

  @Get(':id')
  @Roles(...READERS)
  async get(@Param('id', idParam) id: string, @Res({ passthrough: true }) res: Response) {
    const { view, version } = await this.queries.execute<GetDatasetQuery, DatasetResult>(new GetDatasetQuery(id));
    res.setHeader('ETag', etagOf(version));
    return view;
  }

  /** Was the dataset secured at that instant, and why (triage contract vocabulary). */
  @Get(':id/secured')
  @Roles(...READERS)
  secured(@Param('id', idParam) id: string, @Query(new ZodPipe(SecuredQuery)) q: z.infer<typeof SecuredQuery>) {
    return this.queries.execute(new DatasetSecuredAtQuery(id, q.at));
  }

  @Post(':id/encrypt')
  @HttpCode(202)
  @Roles('security-officer')
  @ApiZodBody(Encrypt)
  async encrypt(
    @Param('id', idParam) id: string,
    @ValidBody(Encrypt) body: z.infer<typeof Encrypt>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { version, ...command } = await this.commands.execute<EncryptDatasetCommand, { commandId: string; seq: number; version: bigint }>(
      new EncryptDatasetCommand(id, body.keyId, ctx, parseIfMatch(ifMatch)),
    );
    res.setHeader('ETag', etagOf(version));
    return command;
  }

  /** Proposes dataset.shred: two officers then approve it with their signed approvals. */
  @Post(':id/shred')
  @HttpCode(202)
  @Roles('security-officer')
  async shred(
    @Param('id', idParam) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { version, ...proposal } = await this.commands.execute<
      ShredDatasetCommand,
      { commandId: string; status: string; version: bigint }
    >(new ShredDatasetCommand(id, ctx, parseIfMatch(ifMatch)));
    res.setHeader('ETag', etagOf(version));
    return proposal;
  }
}
