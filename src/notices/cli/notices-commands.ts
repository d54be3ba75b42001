/**
 * `safeharbor notices …`: import recipients, draft, preview, approve, release, progress (with a
 * bar and ETA), proof of notice, returned mail. Bad input exits 2 naming the field.
 */
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { AffectedIndividual } from '../../incidents';
import type { ArtifactStore } from '../../phi';
import { ValidationError } from '../../platform/errors';
import { ARTIFACT_STORE } from '../../platform/tokens';
import { CliUsageError, type CliRuntime } from '../../cli/runtime';
import { parseReturnsCsv } from '../http/notices.controller';
import {
  ApproveNoticeBatchCommand,
  DraftNoticeBatchCommand,
  PreviewNoticeBatchCommand,
  RecordNoticeReturnsCommand,
  ReleaseNoticeBatchCommand,
} from '../commands';
import { NOTICE_KINDS, type NoticeKind, type PreviewSummary } from '../domain/notice-batch';
import { GetNoticeBatchQuery, NoticeBatchProgressQuery, ProofOfNoticeQuery, type BatchProgress } from '../queries/notice-batch.queries';
import { DraftNoticeFactsQuery } from '../queries/draft-facts.query';

function readJson(path: string, flag: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new CliUsageError(`${flag}: not a readable JSON file`);
  }
}

/** Streams an NDJSON file of AffectedIndividual records, checking each line's shape. */
async function* recipientLines(file: string): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    if (!line.trim()) continue;
    n++;
    let p: Partial<AffectedIndividual>;
    try {
      p = JSON.parse(line);
    } catch {
      throw ValidationError.field(`line ${n}`, 'not JSON');
    }
    if (typeof p.id !== 'string' || !p.id) throw ValidationError.field(`line ${n}.id`, 'required');
    if (typeof p.name !== 'string' || !p.name) throw ValidationError.field(`line ${n}.name`, 'required');
    if (typeof p.emailConsent !== 'boolean') throw ValidationError.field(`line ${n}.emailConsent`, 'expected a boolean');
    if (typeof p.deceased !== 'boolean') throw ValidationError.field(`line ${n}.deceased`, 'expected a boolean');
    if (typeof p.insufficientContact !== 'boolean') throw ValidationError.field(`line ${n}.insufficientContact`, 'expected a boolean');
    yield `${JSON.stringify(p)}\n`;
  }
}

export function registerNoticeCommands(program: Command, cli: CliRuntime): void {
  const notices = program.command('notices').description('breach notices: letters, emails, media, HHS, substitute and BA notices');

  notices
    .command('import-recipients')
    .description('encrypt an NDJSON file of affected individuals into an artifact (prints its digest)')
    .requiredOption('--incident <id>')
    .requiredOption('--file <ndjson>')
    .action(async (o: { incident: string; file: string }) => {
      await cli.withApp(async (app) => {
        await cli.actor(app);
        let count = 0;
        const counted = (async function* () {
          for await (const l of recipientLines(o.file)) {
            count++;
            yield l;
          }
        })();
        const ref = await app.get<ArtifactStore>(ARTIFACT_STORE).write(`incident:${o.incident}`, counted);
        cli.print({ recipientsArtifact: ref.digest, count });
      });
    });

  notices
    .command('draft')
    .description('draft a notice batch')
    .requiredOption('--incident <id>')
    .requiredOption('--kind <kind>', NOTICE_KINDS.join(' | '))
    .requiredOption('--letter-date <YYYY-MM-DD>')
    .option(
      '--facts <file>',
      'incident facts JSON (what happened, dates, PHI, steps, actions); with --from-incident only what they leave out',
    )
    .option(
      '--from-incident',
      'draft what the incident knows (dates, type, PHI types, steps, mitigation, recipients); see `notices draft-facts`',
    )
    .option('--organization <file>', 'organization profile JSON (default: NOTICES_ORGANIZATION_FILE)')
    .option('--recipients <digest>', 'recipients artifact (from import-recipients or the incidents import)')
    .option('--options <file>', 'kind-specific options JSON (jurisdiction, regulator, countsExplanation, hhs, coveredEntity)')
    .option('--phi-confirmed', 'the facts’ free text holds identifiers on purpose: record it anyway (the confirmation is recorded)')
    .action(
      async (o: {
        phiConfirmed?: boolean;
        incident: string;
        kind: string;
        letterDate: string;
        facts?: string;
        fromIncident?: boolean;
        organization?: string;
        recipients?: string;
        options?: string;
      }) => {
        if (!(NOTICE_KINDS as readonly string[]).includes(o.kind))
          throw new CliUsageError(`--kind must be one of: ${NOTICE_KINDS.join(', ')}`);
        if (!o.facts && !o.fromIncident) throw new CliUsageError('give --facts <file>, --from-incident, or both');
        const facts = o.facts ? readJson(o.facts, '--facts') : {};
        await cli.withApp(async (app) => {
          const ctx = await cli.actor(app);
          await cli.screenFreeText(app, ctx, { facts }, { command: 'notices draft', incidentId: o.incident, phiConfirmed: o.phiConfirmed });
          const { batchId } = await app.get(CommandBus).execute<DraftNoticeBatchCommand, { batchId: string }>(
            new DraftNoticeBatchCommand(
              {
                incidentId: o.incident,
                kind: o.kind as NoticeKind,
                letterDate: o.letterDate,
                facts,
                ...(o.fromIncident ? { fromIncident: true } : {}),
                ...(o.organization ? { organization: readJson(o.organization, '--organization') } : {}),
                ...(o.recipients ? { recipientsArtifact: o.recipients } : {}),
                ...(o.options ? { options: readJson(o.options, '--options') as never } : {}),
              },
              ctx,
            ),
          );
          cli.print(await app.get(QueryBus).execute(new GetNoticeBatchQuery(batchId)));
        });
      },
    );

  notices
    .command('draft-facts <incidentId>')
    .description('what a notice to individuals can say from the incident alone (PHI types, steps, mitigation), to review and edit')
    .action(async (incidentId: string) => {
      await cli.withApp(async (app) => {
        await cli.actor(app);
        cli.print(await app.get(QueryBus).execute(new DraftNoticeFactsQuery(incidentId)));
      });
    });

  notices
    .command('preview <batchId>')
    .description('count recipients per channel and state and render sample documents')
    .option('--samples-dir <dir>', 'write the sample documents here')
    .action(async (batchId: string, o: { samplesDir?: string }) => {
      await cli.withApp(async (app) => {
        const ctx = await cli.actor(app);
        const { preview } = await app
          .get(CommandBus)
          .execute<PreviewNoticeBatchCommand, { preview: PreviewSummary }>(new PreviewNoticeBatchCommand(batchId, ctx));
        if (o.samplesDir) {
          const artifacts = app.get<ArtifactStore>(ARTIFACT_STORE);
          for (const [i, smp] of preview.samples.entries()) {
            const parts: Buffer[] = [];
            for await (const c of artifacts.read(smp.artifactDigest)) parts.push(c);
            writeFileSync(
              `${o.samplesDir}/sample-${i}-${smp.channel}.${smp.channel === 'email' ? 'txt' : smp.channel === 'substitute-posting' ? 'html' : 'pdf'}`,
              Buffer.concat(parts),
              { mode: 0o600 },
            );
          }
        }
        cli.print(preview);
      });
    });

  notices
    .command('approve <batchId>')
    .description('approve the previewed content (a compliance officer other than its authors)')
    .requiredOption('--content-digest <sha256>', 'the contentDigest you reviewed')
    .action(async (batchId: string, o: { contentDigest: string }) => {
      await cli.withApp(async (app) => {
        const ctx = await cli.actor(app);
        await app.get(CommandBus).execute(new ApproveNoticeBatchCommand(batchId, o.contentDigest, ctx));
        cli.print(await app.get(QueryBus).execute(new GetNoticeBatchQuery(batchId)));
      });
    });

  notices
    .command('release <batchId>')
    .description('release an approved batch for delivery (workers pick it up)')
    .action(async (batchId: string) => {
      await cli.withApp(async (app) => {
        const ctx = await cli.actor(app);
        await app.get(CommandBus).execute(new ReleaseNoticeBatchCommand(batchId, ctx));
        cli.print(await app.get(QueryBus).execute(new GetNoticeBatchQuery(batchId)));
      });
    });

  notices.command('show <batchId>').action(async (batchId: string) => {
    await cli.withApp(async (app) => {
      await cli.actor(app);
      cli.print(await app.get(QueryBus).execute(new GetNoticeBatchQuery(batchId)));
    });
  });

  notices
    .command('progress <batchId>')
    .description('done, rate and ETA; --watch shows a progress bar until the batch is delivered')
    .option('--watch', 'follow until done')
    .option('--interval <ms>', 'poll interval', '1000')
    .action(async (batchId: string, o: { watch?: boolean; interval: string }) => {
      await cli.withApp(async (app) => {
        await cli.actor(app);
        const progress = () => app.get(QueryBus).execute<NoticeBatchProgressQuery, BatchProgress>(new NoticeBatchProgressQuery(batchId));
        let p = await progress();
        if (o.watch) {
          while (p.total === null) {
            await new Promise((r) => setTimeout(r, Number(o.interval) || 1000));
            p = await progress();
          }
          // Rate and ETA come from the delivery records (the service's view), not from when this
          // command started watching.
          const bar = new SingleBar(
            {
              format: `batch ${batchId.slice(-8)} [{bar}] {percentage}% | {value}/{total} | {svcRate}/s | ETA {svcEta}`,
              stream: process.stderr,
              noTTYOutput: !process.env.CI,
              notTTYSchedule: 2000,
            },
            Presets.shades_classic,
          );
          const payload = () => ({ svcRate: p.rate ?? '-', svcEta: p.etaSeconds === null ? '-' : `${p.etaSeconds}s` });
          bar.start(p.total!, p.done, payload());
          while (p.done < p.total!) {
            await new Promise((r) => setTimeout(r, Number(o.interval) || 1000));
            p = await progress();
            bar.update(p.done, payload());
          }
          bar.stop();
        }
        cli.print(p);
      });
    });

  notices
    .command('proof <individualId>')
    .description('proof of notice for one individual (channel, time, SMTP message id or print file, PDF SHA-256)')
    .action(async (individualId: string) => {
      await cli.withApp(async (app) => {
        await cli.actor(app);
        cli.print({ individualId, items: await app.get(QueryBus).execute(new ProofOfNoticeQuery(individualId)) });
      });
    });

  notices
    .command('print-files <batchId>')
    .description('list the print files of a batch; with --out, download every PDF and the manifest CSV for the mail house')
    .option('--out <dir>', 'folder to write the PDFs and manifest.csv into (created, mode 0700)')
    .action(async (batchId: string, o: { out?: string }) => {
      await cli.withApp(async (app) => {
        const ctx = await cli.actor(app);
        const { NoticePrintFilesQuery } = await import('../queries/notice-batch.queries');
        const { MANIFEST_HEADER } = await import('../rendering/mailhouse');
        const { printFileName } = await import('../http/notices.controller');
        const { LEDGER } = await import('../../ledger/ledger');
        const files = (await app.get(QueryBus).execute(new NoticePrintFilesQuery(batchId))) as Array<{
          chunk: number;
          printArtifact: string;
          printSha256: string;
          letters: number;
          pages: number;
          manifestCsv: string;
        }>;
        const listing = files.map((f) => ({
          chunk: f.chunk,
          file: printFileName(batchId, f.chunk),
          letters: f.letters,
          pages: f.pages,
          sha256: f.printSha256,
        }));
        if (!o.out) return cli.print({ batchId, items: listing });
        // The PDFs carry names and addresses: the read is recorded like the HTTP download's.
        const ledger = app.get(LEDGER) as import('../../ledger/ledger').Ledger;
        await ledger.append(
          `phiaccess-${ctx.actor.id}`,
          [
            {
              type: 'PhiAccessed',
              data: { principalId: ctx.actor.id, role: ctx.actor.role, method: 'CLI', route: 'notices print-files', params: { batchId } },
            },
          ],
          'any',
          ctx,
        );
        mkdirSync(o.out, { recursive: true, mode: 0o700 });
        const artifacts = app.get(ARTIFACT_STORE) as ArtifactStore;
        for (const f of files) {
          const parts: Buffer[] = [];
          for await (const c of artifacts.read(f.printArtifact)) parts.push(c);
          writeFileSync(join(o.out, printFileName(batchId, f.chunk)), Buffer.concat(parts), { mode: 0o600 });
        }
        const rows = files.flatMap((f) => f.manifestCsv.trim().split('\n').slice(1));
        writeFileSync(join(o.out, 'manifest.csv'), [MANIFEST_HEADER, ...rows].join('\n') + '\n', { mode: 0o600 });
        cli.print({ batchId, out: o.out, items: listing, manifest: join(o.out, 'manifest.csv') });
      });
    });

  notices
    .command('mailed <batchId> <chunk>')
    .description("record the mail house's confirmation that a print file was mailed (its date and count of pieces)")
    .requiredOption('--date <YYYY-MM-DD>', 'the date the mail house mailed the file')
    .requiredOption('--count <n>', "the mail house's count of pieces mailed")
    .action(async (batchId: string, chunk: string, o: { date: string; count: string }) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(o.date)) throw ValidationError.field('date', 'expected YYYY-MM-DD');
      if (!/^\d+$/.test(o.count)) throw ValidationError.field('count', 'expected a whole number');
      if (!/^\d{1,6}$/.test(chunk)) throw ValidationError.field('chunk', 'expected the print file number');
      await cli.withApp(async (app) => {
        const ctx = await cli.actor(app);
        const { RecordPrintFileMailedCommand } = await import('../commands');
        const r = (await app
          .get(CommandBus)
          .execute(new RecordPrintFileMailedCommand(batchId, Number(chunk), o.date, Number(o.count), ctx))) as {
          version: bigint;
        };
        cli.print({
          batchId,
          chunk: Number(chunk),
          status: 'mailed',
          mailedOn: o.date,
          count: Number(o.count),
          version: String(r.version),
        });
      });
    });

  notices
    .command('returns')
    .description('record returned mail and bounces from a CSV (letter_id,kind,reason)')
    .requiredOption('--file <csv>')
    .action(async (o: { file: string }) => {
      const parsed = parseReturnsCsv(readFileSync(o.file, 'utf8'));
      await cli.withApp(async (app) => {
        const ctx = await cli.actor(app);
        cli.print(await app.get(CommandBus).execute(new RecordNoticeReturnsCommand(parsed.entries, ctx)));
      });
    });

  notices
    .command('generate-drill-recipients')
    .description('write SYNTHETIC affected individuals (NDJSON) for a notification drill; never real people')
    .requiredOption('--count <n>')
    .requiredOption('--out <file>')
    .option('--email-share <0..1>', 'share who agreed to email', '0.3')
    .action(async (o: { count: string; out: string; emailShare: string }) => {
      const n = Number(o.count);
      if (!Number.isInteger(n) || n < 1 || n > 2_000_000) throw new CliUsageError('--count must be an integer from 1 to 2000000');
      const share = Number(o.emailShare);
      const states = ['OH', 'KY', 'IN', 'PA', 'MI', 'WV', 'NY', 'TX', 'CA', 'FL'];
      const lines: string[] = [];
      for (let i = 0; i < n; i++) {
        const st = states[i % states.length]!;
        lines.push(
          JSON.stringify({
            id: `drill-${String(i).padStart(7, '0')}`,
            name: `Drill Person ${i}`,
            address: { line1: `${100 + (i % 9000)} Test Street`, city: 'Drilltown', state: st, zip: String(10000 + (i % 89999)) },
            email: `drill${i}@example.invalid`,
            emailConsent: (i * 7919) % 1000 < share * 1000,
            deceased: false,
            insufficientContact: i % 211 === 0,
          }),
        );
      }
      writeFileSync(o.out, lines.join('\n') + '\n', { mode: 0o600 });
      cli.print({ written: n, out: o.out });
    });
}
