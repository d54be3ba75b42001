import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { createHmac } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { LEDGER, type CommandContext, type Ledger } from '../ledger/ledger';
import { ValidationError } from '../platform/errors';
import { NotFoundError, RuleViolationError } from '../platform/errors';
import { ARTIFACT_STORE, PHI_VAULT } from '../platform/tokens';
import type { ArtifactStore } from '../phi';
import type { PhiVault } from '../phi';
import { RunIncidentCommand } from './commands/incident-command';
import { incidentStream, type AffectedListImportedData } from './domain/incident';
import {
  columnMappingSchema,
  ImportFormatError,
  importAffectedIndividuals,
  type ColumnMapping,
  type ImportIssue,
  type ImportSummary,
} from './import/affected-import';

export interface AffectedImportResult {
  incidentId: string;
  listVersion: number;
  digest: string;
  reportDigest: string;
  summary: Omit<ImportSummary, 'digest' | 'bytes'>;
  version: string;
}

/**
 * Streams an affected-individuals CSV into an encrypted, content-addressed artifact (NDJSON
 * AffectedIndividual records) plus an encrypted PHI-free issue report, then records
 * `AffectedListImported` with the digests and counts (never the PHI), which re-runs triage if
 * the incident was already decided.
 */
@Injectable()
export class AffectedImportService {
  constructor(
    @Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore,
    @Inject(PHI_VAULT) private readonly vault: PhiVault,
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly commands: CommandBus,
  ) {}

  parseMapping(raw: string | undefined): ColumnMapping | undefined {
    if (raw === undefined || raw === '') return undefined;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw ValidationError.field('mapping', 'is not valid JSON');
    }
    const r = columnMappingSchema.safeParse(json);
    if (!r.success) {
      throw new ValidationError(r.error.issues.map((i) => ({ field: ['mapping', ...i.path.map(String)].join('.'), reason: i.message })));
    }
    return r.data;
  }

  async import(
    incidentId: string,
    input: Readable,
    ctx: CommandContext,
    options: { mapping?: ColumnMapping; onProgress?: (bytes: number, rows: number) => void } = {},
  ): Promise<AffectedImportResult> {
    const events = await this.ledger.readStream(incidentStream(incidentId));
    if (events.length === 0) {
      input.resume();
      throw new NotFoundError('incident not found');
    }
    if (events.some((e) => e.type === 'IncidentClosed')) {
      input.resume();
      throw new RuleViolationError('incident is closed');
    }
    const scope = `incident:${incidentId}`;
    // Ids are keyed by the incident's data key: not derivable from PHI, and shredded with it.
    const idKey = createHmac('sha256', await this.vault.dataKey(scope, true))
      .update('affected-individual-ids/v1')
      .digest();
    const out = new PassThrough();
    const report = new PassThrough();
    const unresolved = new PassThrough();
    const [imp, list, rep, unr] = await Promise.allSettled([
      importAffectedIndividuals({
        input,
        output: out,
        report,
        unresolved,
        idKey,
        mapping: options.mapping,
        onProgress: options.onProgress,
      }),
      this.artifacts.write(scope, out),
      this.artifacts.write(scope, report),
      this.artifacts.write(scope, unresolved),
    ]);
    if (imp.status === 'rejected' || list.status === 'rejected' || rep.status === 'rejected' || unr.status === 'rejected') {
      // Nothing half-written: whatever was stored is removed before the problem is answered.
      const stored = new Set([list, rep, unr].flatMap((r) => (r.status === 'fulfilled' ? [r.value.digest] : [])));
      for (const d of stored) await this.artifacts.remove(d);
    }
    if (imp.status === 'rejected') {
      const e = imp.reason;
      if (e instanceof ImportFormatError) {
        throw new ValidationError([
          { field: e.column ? `csv.${e.column}` : 'csv', reason: e.line ? `${e.message} (line ${e.line})` : e.message },
        ]);
      }
      throw e;
    }
    if (list.status === 'rejected') throw list.reason;
    if (rep.status === 'rejected') throw rep.reason;
    if (unr.status === 'rejected') throw unr.reason;
    const s = imp.value;
    // Content-addressed: an empty unresolved file may be the very artifact an empty report is.
    if (s.unresolved === 0 && unr.value.digest !== rep.value.digest && unr.value.digest !== list.value.digest)
      this.artifacts.remove(unr.value.digest);
    const counts: AffectedListImportedData['counts'] = {
      byState: s.byState,
      insufficientContact: s.insufficientContact,
      rows: s.rows,
      accepted: s.accepted,
      rejected: s.rejected,
      duplicates: s.duplicates,
      deceased: s.deceased,
      deceasedWithoutNextOfKinAddress: s.deceasedWithoutNextOfKinAddress,
      emailConsent: s.emailConsent,
      unresolved: s.unresolved,
    };
    const { version } = await this.commands.execute(
      new RunIncidentCommand(
        incidentId,
        {
          kind: 'record-affected-list',
          list: {
            digest: list.value.digest,
            size: list.value.size,
            reportDigest: rep.value.digest,
            counts,
            ...(s.dataElements.length ? { dataElements: s.dataElements } : {}),
            ...(s.unresolved > 0 ? { unresolvedDigest: unr.value.digest } : {}),
          },
        },
        ctx,
      ),
    );
    const after = await this.ledger.readStream(incidentStream(incidentId));
    const imported = [...after].reverse().find((e) => e.type === 'AffectedListImported');
    const { digest: _d, bytes: _b, ...summary } = s;
    return {
      incidentId,
      listVersion: (imported?.data as { listVersion?: number } | undefined)?.listVersion ?? 0,
      digest: list.value.digest,
      reportDigest: rep.value.digest,
      summary,
      version: String(version),
    };
  }

  /** The PHI-free issue report of a list version (line, column, reason per row). */
  async *report(incidentId: string, listVersion?: number): AsyncGenerator<Buffer> {
    const events = await this.ledger.readStream(incidentStream(incidentId));
    if (events.length === 0) throw new NotFoundError('incident not found');
    const lists = events.filter((e) => e.type === 'AffectedListImported').map((e) => e.data as unknown as AffectedListImportedData);
    const pick = listVersion === undefined ? lists[lists.length - 1] : lists.find((l) => l.listVersion === listVersion);
    if (!pick || !pick.reportDigest) throw new NotFoundError('no such affected list');
    yield* this.artifacts.read(pick.reportDigest);
  }

  /**
   * One page of the issue report (rejected and merged rows: line, column, reason), read from the
   * stored report as a stream: a million-row list never comes into memory whole.
   */
  async issues(
    incidentId: string,
    page: { listVersion?: number; kind?: ImportIssue['kind']; offset: number; limit: number },
  ): Promise<{ items: ImportIssue[]; offset: number; limit: number; more: boolean }> {
    const items: ImportIssue[] = [];
    let seen = 0;
    let more = false;
    let rest = '';
    /** false once the page is full and one more issue was seen. */
    const take = (line: string): boolean => {
      if (line.trim() === '') return true;
      const issue = JSON.parse(line) as ImportIssue;
      if (page.kind && issue.kind !== page.kind) return true;
      if (seen++ < page.offset) return true;
      if (items.length < page.limit) return items.push(issue) > 0;
      more = true;
      return false;
    };
    outer: for await (const chunk of this.report(incidentId, page.listVersion)) {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) if (!take(l)) break outer;
    }
    if (!more) take(rest);
    return { items, offset: page.offset, limit: page.limit, more };
  }
}
