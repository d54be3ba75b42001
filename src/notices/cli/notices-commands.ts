/**
 * `safeharbor notices …`: import recipients, draft, preview, approve, release, progress (with a
 * bar and ETA), proof of notice, returned mail. Bad input exits 2 naming the field.
 */
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
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
    .requiredOption('--facts <file>', 'incident facts JSON (what happened, dates, PHI, steps, actions)')
    .option('--organization <file>', 'organization profile JSON (default: NOTICES_ORGANIZATION_FILE)')
    .option('--recipients <digest>', 'recipients artifact (from import-recipients or the incidents import)')
    .option('--options <file>', 'kind-specific options JSON (jurisdiction, hhs, coveredEntity)')
    .action(
      async (o: {
        incident: string;
        kind: string;
        letterDate: string;
        facts: string;
        organization?: string;
        recipients?: string;
        options?: string;
      }) => {
        if (!(NOTICE_KINDS as readonly string[]).includes(o.kind))
          throw new CliUsageError(`--kind must be one of: ${NOTICE_KINDS.join(', ')}`);
        await cli.withApp(async (app) => {
          const ctx = await cli.actor(app);
          const { batchId } = await app.get(CommandBus).execute<DraftNoticeBatchCommand, { batchId: string }>(
            new DraftNoticeBatchCommand(
              {
                incidentId: o.incident,
                kind: o.kind as NoticeKind,
                letterDate: o.letterDate,
                facts: readJson(o.facts, '--facts'),
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
