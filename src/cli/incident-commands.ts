import type { Command } from 'commander';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ReportIncidentCommand } from '../incidents/commands/report-incident';
import { ReportIncidentBody } from '../incidents/domain/incident.schemas';
import { GetIncidentQuery, ListIncidentsQuery } from '../incidents/queries/get-incident';
import { fromZodIssues } from '../platform/errors';
import type { CliRuntime } from './runtime';

export function registerIncidentCommands(program: Command, cli: CliRuntime): void {
  const incidents = program.command('incidents').description('report and read incidents');
  incidents
    .command('report')
    .description('report an incident (PHI-free title and summary)')
    .requiredOption('--title <text>')
    .requiredOption('--discovered-on <YYYY-MM-DD>')
    .requiredOption('--summary <text>')
    .option('--reporter <kind>', 'covered-entity | business-associate', 'covered-entity')
    .option('--acts-as-agent', 'the business associate acts as the covered entity’s agent')
    .option('--data-elements <codes>', 'kinds of information involved, comma-separated (name,ssn,medical,…): state laws decide from them')
    .option('--phi-confirmed', 'the title or summary holds identifiers on purpose: record them anyway (the confirmation is recorded)')
    .action(
      async (opts: {
        title: string;
        discoveredOn: string;
        summary: string;
        reporter: string;
        actsAsAgent?: boolean;
        dataElements?: string;
        phiConfirmed?: boolean;
      }) => {
        const parsed = ReportIncidentBody.safeParse({
          title: opts.title,
          discoveredOn: opts.discoveredOn,
          summary: opts.summary,
          reporter: { kind: opts.reporter, ...(opts.actsAsAgent ? { actsAsAgent: true } : {}) },
          ...(opts.dataElements
            ? {
                dataElements: opts.dataElements
                  .split(',')
                  .map((x) => x.trim())
                  .filter(Boolean),
              }
            : {}),
        });
        if (!parsed.success) throw fromZodIssues(parsed.error.issues as never);
        await cli.withApp(async (app) => {
          const ctx = await cli.actor(app);
          await cli.screenFreeText(app, ctx, parsed.data, { command: 'incidents report', phiConfirmed: opts.phiConfirmed });
          const { incidentId, version } = await app.get(CommandBus).execute(new ReportIncidentCommand(parsed.data, ctx));
          cli.print(await app.get(QueryBus).execute(new GetIncidentQuery(incidentId, version)));
        });
      },
    );
  incidents.command('show <id>').action(async (id: string) => {
    await cli.withApp(async (app) => {
      await cli.actor(app);
      cli.print(await app.get(QueryBus).execute(new GetIncidentQuery(id)));
    });
  });
  incidents
    .command('list')
    .option('--status <status>')
    .option('--limit <n>', 'max rows', '50')
    .action(async (opts: { status?: string; limit: string }) => {
      await cli.withApp(async (app) => {
        await cli.actor(app);
        cli.print(
          await app.get(QueryBus).execute(new ListIncidentsQuery({ status: opts.status, limit: Number(opts.limit) || 50, offset: 0 })),
        );
      });
    });
}
