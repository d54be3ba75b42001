/** `safeharbor status` (the posture as readable tables) and `safeharbor risk …` for auditors. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliUsageError, type CliRuntime } from '../../cli/runtime';
import { PostureService } from '../../posture/posture.module';
import { renderPostureText } from '../../posture/posture';
import { RiskQueries } from '../queries/risk.queries';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerRiskCli(program: Command, cli: CliRuntime): void {
  program
    .command('status')
    .description('compliance posture: overdue reviews, open high risks, expiring grants, keys past cryptoperiod, unencrypted datasets, open breach obligations')
    .option('--json', 'print JSON instead of tables')
    .action(async (opts: { json?: boolean }) => {
      await cli.withApp(async (app) => {
        await cli.actor(app);
        const p = await app.get(PostureService).posture();
        cli.print(opts.json ? p : renderPostureText(p));
      });
    });

  const risk = program.command('risk').description('risk assessments and the risk register');
  risk
    .command('assessments')
    .description('list risk assessments')
    .option('--program <id>')
    .action(async (opts: { program?: string }) => {
      await cli.withApp(async (app) => {
        await cli.actor(app);
        cli.print(await app.get(RiskQueries).listAssessments(opts.program));
      });
    });
  risk
    .command('show <assessmentId>')
    .description('the register of one assessment')
    .action(async (id: string) => {
      if (!UUID_RE.test(id)) throw new CliUsageError('assessmentId: expected a UUID');
      await cli.withApp(async (app) => {
        await cli.actor(app);
        cli.print(await app.get(RiskQueries).getAssessment(id));
      });
    });
  risk
    .command('report <assessmentId>')
    .description('write the annual risk assessment report (PDF)')
    .requiredOption('--out <file.pdf>')
    .action(async (id: string, opts: { out: string }) => {
      if (!UUID_RE.test(id)) throw new CliUsageError('assessmentId: expected a UUID');
      await cli.withApp(async (app) => {
        await cli.actor(app);
        const pdf = await app.get(RiskQueries).report(id);
        writeFileSync(opts.out, pdf);
        cli.print({ written: opts.out, bytes: pdf.length });
      });
    });
  risk
    .command('candidates')
    .description('candidate risks from hardening findings, incidents and significant changes')
    .option('--status <status>', 'open | adopted | dismissed')
    .action(async (opts: { status?: string }) => {
      await cli.withApp(async (app) => {
        await cli.actor(app);
        cli.print(await app.get(RiskQueries).listCandidates(opts.status));
      });
    });
}
