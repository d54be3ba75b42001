import type { Command } from 'commander';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { createReadStream, statSync } from 'node:fs';
import { CliUsageError, type CliRuntime } from '../../cli/runtime';
import { AffectedImportService } from '../affected-import.service';
import { RunIncidentCommand } from '../commands/incident-command';
import { GetObligationsQuery, GetTimelineQuery } from '../queries/get-incident';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function incidentId(id: string): string {
  if (!UUID.test(id)) throw new CliUsageError('--incident must be an incident id (UUID)');
  return id;
}

/**
 * `safeharbor affected import --incident ID FILE.csv [--mapping JSON]` (streamed, with a progress
 * bar on stderr) and the incident workflow commands an operator needs from a terminal.
 */
export function registerAffectedCommands(program: Command, cli: CliRuntime): void {
  const affected = program.command('affected').description('affected-individuals lists');
  affected
    .command('import <file>')
    .description('stream a CSV of affected individuals into an encrypted artifact and record its counts on the incident')
    .requiredOption('--incident <id>', 'incident id')
    .option('--mapping <json>', 'column mapping as JSON, e.g. {"name":["First","Last"],"line1":"Street",...}')
    .action(async (file: string, opts: { incident: string; mapping?: string }) => {
      const id = incidentId(opts.incident);
      let size: number;
      try {
        size = statSync(file).size;
      } catch (e) {
        throw new CliUsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
      }
      await cli.withApp(async (app) => {
        const ctx = await cli.actor(app);
        const svc = app.get(AffectedImportService);
        const mapping = svc.parseMapping(opts.mapping);
        const bar = cli.progress('import', size);
        try {
          const result = await svc.import(id, createReadStream(file), ctx, { mapping, onProgress: (bytes) => bar.update(bytes) });
          bar.update(size);
          bar.stop();
          cli.print(result);
        } catch (e) {
          bar.stop();
          throw e;
        }
      });
    });

  affected
    .command('sample')
    .description('write a synthetic affected-individuals CSV (made-up people, the documented columns) to stdout or --out')
    .requiredOption('--people <n>', 'how many people')
    .option('--seed <n>', 'seed: the same seed gives the same file', '13')
    .option(
      '--faults',
      'add the spreadsheet faults the import repairs (stripped zeros, ZIP+4 without hyphen, state names, spaces) and one unreadable row',
    )
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts: { people: string; seed: string; faults?: boolean; out?: string }) => {
      const people = Number(opts.people);
      if (!Number.isInteger(people) || people < 1 || people > 10_000_000)
        throw new CliUsageError('--people must be a whole number from 1 to 10000000');
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new CliUsageError('--seed must be a whole number');
      const { sampleAffectedCsv } = await import('../import/sample');
      const { Readable } = await import('node:stream');
      const { pipeline } = await import('node:stream/promises');
      const { createWriteStream } = await import('node:fs');
      const out = opts.out ? createWriteStream(opts.out) : process.stdout;
      await pipeline(Readable.from(sampleAffectedCsv({ people, seed, faults: opts.faults === true })), out, { end: Boolean(opts.out) });
    });

  const incidents = program.commands.find((c) => c.name() === 'incidents') ?? program.command('incidents');
  incidents
    .command('decide <id>')
    .description('record the triage decision on the incident’s facts (compliance officer)')
    .option('--policy <policy>', 'law-enforcement hold policy: toll | strict')
    .action(async (id: string, opts: { policy?: string }) => {
      if (opts.policy !== undefined && opts.policy !== 'toll' && opts.policy !== 'strict')
        throw new CliUsageError('--policy must be toll or strict');
      await cli.withApp(async (app) => {
        const ctx = await cli.actor(app);
        if (ctx.actor.role !== 'compliance-officer') throw new CliUsageError('only a compliance officer decides triage');
        const { version } = await app
          .get(CommandBus)
          .execute(
            new RunIncidentCommand(
              incidentId(id),
              { kind: 'decide-triage', ...(opts.policy ? { policy: opts.policy as 'toll' | 'strict' } : {}) },
              ctx,
            ),
          );
        cli.print(await app.get(QueryBus).execute(new GetObligationsQuery(id, version)));
      });
    });
  incidents
    .command('obligations <id>')
    .description('obligations with due dates, days left and overdue flags')
    .action(async (id: string) => {
      await cli.withApp(async (app) => {
        await cli.actor(app);
        cli.print(await app.get(QueryBus).execute(new GetObligationsQuery(incidentId(id))));
      });
    });
  incidents
    .command('timeline <id>')
    .description('everything that happened to the incident, from the ledger')
    .action(async (id: string) => {
      await cli.withApp(async (app) => {
        await cli.actor(app);
        cli.print(await app.get(QueryBus).execute(new GetTimelineQuery(incidentId(id))));
      });
    });
}
