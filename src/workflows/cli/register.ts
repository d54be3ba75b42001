import type { Command } from 'commander';
import { CliUsageError, type CliRuntime } from '../../cli/runtime';
import type { WorkflowEngine } from '../runtime/workflow-engine';
import { registerWorkflowsCommands } from './workflows.command';

/** The registrar listed in src/cli/commands.ts. */
export function registerWorkflowsCli(program: Command, cli: CliRuntime): void {
  const wf = registerWorkflowsCommands(program, undefined, (summary) => new CliUsageError(summary));
  wf.command('pending')
    .description('open timelines and their next timers, re-derived from the ledger')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await cli.withApp(async (app) => {
        await cli.actor(app);
        const { WORKFLOW_ENGINE } = await import('../workflows.module'); // not loaded by `workflows validate`
        const engine = app.get<WorkflowEngine>(WORKFLOW_ENGINE);
        await engine.loadPublishedVersions();
        const plan = await engine.plan();
        const rows = plan.map(({ timeline: t, timers }) => {
          const next = timers.find((x) => x.state === 'pending');
          return {
            workflow: `${t.workflow}@${t.workflowVersion}`,
            subject: `${t.subject.kind} ${t.subject.id}`,
            dueOn: t.dueOn,
            sent: timers.filter((x) => x.state === 'sent').length,
            next: next ? `${next.step} ${next.fireAt.toISOString()}` : '-',
          };
        });
        if (opts.json) return cli.print(rows);
        if (rows.length === 0) return cli.print('no open timelines');
        const cols = Object.keys(rows[0]) as Array<keyof (typeof rows)[number]>;
        const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
        const line = (vals: string[]) => vals.map((v, i) => v.padEnd(w[i])).join('  ').trimEnd();
        cli.print([line(cols as string[]), line(w.map((n) => '-'.repeat(n))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join('\n'));
      });
    });
}
