/**
 * The mail-house hand-off: a batch's print files (listing, manifests as CSV, the print-ready
 * PDFs — PHI, so each download is a recorded read) and the mail house's "mailed" confirmation.
 */
import { Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { Ctx, ReadsPhi, Roles } from '../../auth';
import type { ArtifactStore } from '../../phi';
import { NotFoundError, ValidationError } from '../../platform/errors';
import { ApiZodBody, ValidBody } from '../../platform/http/zod';
import { ARTIFACT_STORE } from '../../platform/tokens';
import { CalendarDateSchema } from '../../shared/calendar-schema';
import { LEDGER, type CommandContext, type Ledger } from '../../ledger/ledger';
import { RecordPrintFileMailedCommand } from '../commands';
import { loadBatch } from '../batch-stream';
import { MANIFEST_HEADER } from '../rendering/mailhouse';
import { NoticePrintFilesQuery } from '../queries/notice-batch.queries';
import type { PrintFileRecord } from '../delivery/delivery-store';

const MailedBody = z.strictObject({
  mailedOn: CalendarDateSchema,
  count: z.number().int().nonnegative(),
});

const WRITERS = ['compliance-officer', 'incident-responder', 'security-officer'] as const;
const READERS = [...WRITERS, 'auditor'] as const;

export function printFileName(batchId: string, chunk: number): string {
  return `batch-${batchId}-chunk-${String(chunk).padStart(5, '0')}.pdf`;
}

function printFileView(batchId: string, f: PrintFileRecord, mailed?: { mailedOn: string; count: number }) {
  const rows = f.manifestCsv
    .trim()
    .split('\n')
    .slice(1)
    .map((r) => r.split(','));
  return {
    chunk: f.chunk,
    file: printFileName(batchId, f.chunk),
    download: `/v1/notices/batches/${batchId}/print-files/${f.chunk}`,
    manifest: `/v1/notices/batches/${batchId}/print-files/${f.chunk}/manifest.csv`,
    letters: f.letters,
    pages: f.pages,
    sheets: rows.reduce((n, r) => n + Number(r[4] ?? 0), 0),
    sha256: f.printSha256,
    status: mailed ? ('mailed' as const) : ('printed' as const),
    mailedOn: mailed?.mailedOn ?? null,
    mailHouseCount: mailed?.count ?? null,
  };
}

@ApiTags('notices')
@ApiBearerAuth()
@Controller()
export class PrintFilesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(LEDGER) private readonly ledger: Ledger,
  ) {}

  /** The batch's print files: name, letters, pages, sheets, digest, download path, and the mail house's confirmation. */
  @ApiOperation({ summary: "List a batch's print files" })
  @Get('v1/notices/batches/:id/print-files')
  @Roles(...READERS)
  async printFiles(@Param('id', new ParseUUIDPipe()) id: string) {
    const files = await this.queries.execute<NoticePrintFilesQuery, PrintFileRecord[]>(new NoticePrintFilesQuery(id));
    const { state } = await this.batchState(id);
    return { items: files.map((f) => printFileView(id, f, state.mailed?.[f.chunk])) };
  }

  /** Every print file's manifest in one CSV (one header), for the mail house's reconciliation. */
  @ApiOperation({ summary: 'All print-file manifests of a batch as one CSV' })
  @Get('v1/notices/batches/:id/print-files/manifest.csv')
  @Roles(...READERS)
  async batchManifest(@Param('id', new ParseUUIDPipe()) id: string, @Res() res: Response) {
    const files = await this.queries.execute<NoticePrintFilesQuery, PrintFileRecord[]>(new NoticePrintFilesQuery(id));
    const rows = files.flatMap((f) => f.manifestCsv.trim().split('\n').slice(1));
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="batch-${id}-manifest.csv"`);
    res.send([MANIFEST_HEADER, ...rows].join('\n') + '\n');
  }

  @ApiOperation({ summary: "One print file's manifest (CSV)" })
  @Get('v1/notices/batches/:id/print-files/:chunk/manifest.csv')
  @Roles(...READERS)
  async manifest(@Param('id', new ParseUUIDPipe()) id: string, @Param('chunk') chunk: string, @Res() res: Response) {
    const f = await this.printFile(id, chunk);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8').send(f.manifestCsv);
  }

  /** The print-ready PDF (letters with names and addresses: PHI). */
  @ApiOperation({ summary: "One print file's print-ready PDF (PHI read, recorded)" })
  @Get('v1/notices/batches/:id/print-files/:chunk')
  @Roles(...WRITERS)
  @ReadsPhi()
  async printFilePdf(@Param('id', new ParseUUIDPipe()) id: string, @Param('chunk') chunk: string, @Res() res: Response) {
    const f = await this.printFile(id, chunk);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="${printFileName(id, f.chunk)}"`);
    res.setHeader('X-Content-SHA256', f.printSha256);
    res.setHeader('Cache-Control', 'no-store');
    for await (const c of this.artifacts.read(f.printArtifact)) res.write(c);
    res.end();
  }

  /** The mail house's confirmation that a print file was mailed (its date and count); until then its letters are "printed". */
  @ApiOperation({ summary: "Record the mail house's confirmation that a print file was mailed" })
  @Post('v1/notices/batches/:id/print-files/:chunk/mailed')
  @HttpCode(200)
  @Roles(...WRITERS)
  @ApiZodBody(MailedBody)
  async mailed(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('chunk') chunk: string,
    @ValidBody(MailedBody) body: z.infer<typeof MailedBody>,
    @Ctx() ctx: CommandContext,
  ) {
    const f = await this.printFile(id, chunk);
    await this.commands.execute(new RecordPrintFileMailedCommand(id, f.chunk, body.mailedOn, body.count, ctx));
    const { state } = await this.batchState(id);
    return printFileView(id, f, state.mailed?.[f.chunk]);
  }

  private async printFile(id: string, chunk: string): Promise<PrintFileRecord> {
    if (!/^\d{1,6}$/.test(chunk)) throw ValidationError.field('chunk', 'expected the print file number');
    const f = (await this.queries.execute<NoticePrintFilesQuery, PrintFileRecord[]>(new NoticePrintFilesQuery(id))).find(
      (p) => p.chunk === Number(chunk),
    );
    if (!f) throw new NotFoundError('no such print file');
    return f;
  }

  private batchState(id: string) {
    return loadBatch(this.ledger, id);
  }

  /** The mail-house print file itself (letters with names and addresses): PHI, so the read is recorded. */
  @ApiOperation({ summary: 'The mail-house print file (PDF; PHI read, recorded)' })
  @Get('v1/notices/batches/:id/print-files/:chunk/print.pdf')
  @Roles('compliance-officer', 'incident-responder')
  @ReadsPhi()
  async printPdf(@Param('id', new ParseUUIDPipe()) id: string, @Param('chunk') chunk: string, @Res() res: Response) {
    const f = (await this.queries.execute<NoticePrintFilesQuery, PrintFileRecord[]>(new NoticePrintFilesQuery(id))).find(
      (p) => p.chunk === Number(chunk),
    );
    if (!f) throw new NotFoundError('no such print file');
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="print-${id}-${f.chunk}.pdf"`);
    res.setHeader('Cache-Control', 'no-store');
    for await (const c of this.artifacts.read(f.printArtifact)) res.write(c);
    res.end();
  }
}
