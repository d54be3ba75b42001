import { Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { InstantSchema } from '../../shared/calendar-schema';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Ctx, Roles } from '../../auth';
import type { CommandContext } from '../../ledger/ledger';
import { etagOf, parseIfMatch } from '../../platform/http/etag';
import { ApiZodBody, ValidBody, ZodPipe } from '../../platform/http/zod';
import { absPathSchema, idSchema } from '../../shared/agent-protocol';
import { DATA_ELEMENTS, RECORD_FORMS } from '../../shared/data-elements';
import { isJurisdiction } from '../../shared/jurisdictions';
import { MAX_POPULATION } from '../domain/population';
import {
  DatasetSecuredAtQuery,
  DeclarePopulationCommand,
  EncryptDatasetCommand,
  RecertifyPopulationCommand,
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
const SecuredQuery = z.strictObject({ at: InstantSchema });
const count = z.number().int().min(0).max(MAX_POPULATION);
const Population = z
  .strictObject({
    byState: z.record(
      z.string().refine((k) => k === 'unknown' || isJurisdiction(k), 'must be a USPS state or territory code or "unknown"'),
      count,
    ),
    dataElements: z.array(z.enum(DATA_ELEMENTS)).min(1).max(DATA_ELEMENTS.length),
    recordForms: z.array(z.enum(RECORD_FORMS)).min(1).max(RECORD_FORMS.length).default(['electronic']),
    emailAgreed: count.default(0),
    noContact: count.default(0),
  })
  .superRefine((p, ctx) => {
    const total = Object.values(p.byState).reduce((a, b) => a + b, 0);
    if (total > MAX_POPULATION) ctx.addIssue({ code: 'custom', path: ['byState'], message: `total must not exceed ${MAX_POPULATION}` });
    if (new Set(p.dataElements).size !== p.dataElements.length)
      ctx.addIssue({ code: 'custom', path: ['dataElements'], message: 'must not repeat' });
    if (p.emailAgreed + p.noContact > total)
      ctx.addIssue({ code: 'custom', path: ['emailAgreed'], message: 'emailAgreed + noContact must not exceed the individuals counted' });
  });
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

  @ApiOperation({ summary: 'Register a dataset' })
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

  @ApiOperation({ summary: 'List datasets' })
  @Get()
  @Roles(...READERS)
  list() {
    return this.queries.execute(new ListDatasetsQuery());
  }

  @ApiOperation({ summary: 'Get a dataset' })
  @Get(':id')
  @Roles(...READERS)
  async get(@Param('id', idParam) id: string, @Res({ passthrough: true }) res: Response) {
    const { view, version } = await this.queries.execute<GetDatasetQuery, DatasetResult>(new GetDatasetQuery(id));
    res.setHeader('ETag', etagOf(version));
    return view;
  }

  /** Was the dataset secured at that instant, and why (triage contract vocabulary). */
  @ApiOperation({ summary: 'Whether a dataset was secured at an instant, and why' })
  @Get(':id/secured')
  @Roles(...READERS)
  secured(@Param('id', idParam) id: string, @Query(new ZodPipe(SecuredQuery)) q: z.infer<typeof SecuredQuery>) {
    return this.queries.execute(new DatasetSecuredAtQuery(id, q.at));
  }

  @ApiOperation({ summary: 'Encrypt a dataset through its host agent' })
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

  /**
   * Who the dataset holds: individuals by state and the kinds of identifiers (no values). Replaces
   * the population declared before; If-Match is the dataset's ETag.
   */
  @ApiOperation({ summary: 'Declare who a dataset holds (states, identifier kinds)' })
  @Put(':id/population')
  @Roles('security-officer', 'compliance-officer')
  @ApiZodBody(Population)
  async declarePopulation(
    @Param('id', idParam) id: string,
    @ValidBody(Population) body: z.infer<typeof Population>,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.commands.execute<DeclarePopulationCommand, { version: bigint }>(
      new DeclarePopulationCommand(id, body, ctx, parseIfMatch(ifMatch)),
    );
    return this.answer(id, r.version, res);
  }

  /** The population is still right as declared: certified again now (a stale population needs this or a new declaration). */
  @ApiOperation({ summary: "Recertify a dataset's declared population" })
  @Post(':id/population/recertify')
  @HttpCode(200)
  @Roles('security-officer', 'compliance-officer')
  async recertify(
    @Param('id', idParam) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() ctx: CommandContext,
    @Res({ passthrough: true }) res: Response,
  ) {
    const r = await this.commands.execute<RecertifyPopulationCommand, { version: bigint }>(
      new RecertifyPopulationCommand(id, ctx, parseIfMatch(ifMatch)),
    );
    return this.answer(id, r.version, res);
  }

  private async answer(id: string, version: bigint, res: Response) {
    const r = await this.queries.execute<GetDatasetQuery, DatasetResult>(new GetDatasetQuery(id, version));
    res.setHeader('ETag', etagOf(r.version));
    return r.view;
  }

  /** Proposes dataset.shred: two officers then approve it with their signed approvals. */
  @ApiOperation({ summary: 'Propose shredding a dataset (two officers approve)' })
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
