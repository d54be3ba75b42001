/** `safeharbor status` (the posture as readable tables) and `safeharbor risk …` for auditors. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliUsageError, type CliRuntime } from '../../cli/runtime';
import { PostureService } from '../../posture';
import { renderPostureText } from '../../posture';
import { fromZodIssues } from '../../platform/errors';
import { CommandBus } from '@nestjs/cqrs';
import {
  CompleteRiskAssessmentCommand,
  EstablishRiskProgramCommand,
  ProposeRiskCandidateCommand,
  RunAssessmentCommand,
  StartRiskAssessmentCommand,
} from '../commands';
import type { AssessmentDiff } from '../domain/diff';
import type { CandidateInput } from '../domain/candidates';
import { CandidateBody, EstablishProgramBody, StartAssessmentBody } from '../http/risk.schemas';
import { RiskQueries } from '../queries/risk.queries';
import type { ZodType } from 'zod';

function parse<T>(schema: ZodType<T>, v: unknown): T {
  const r = schema.safeParse(v);
  if (!r.success) throw fromZodIssues(r.error.issues as never);
  return r.data;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerRiskCli(program: Command, cli: CliRuntime): void {
  program
    .command('status')
    .description(
      'compliance posture: overdue reviews, open high risks, expiring grants, keys past cryptoperiod, unencrypted datasets, open breach obligations',
    )
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
    .command('establish')
    .description('establish the risk program and its annual review timeline')
    .requiredOption('--name <text>')
    .requiredOption('--owner <principalId>')
    .requiredOption('--first-review-due <YYYY-MM-DD>')
    .option('--program <id>', 'program id', 'default')
    .action(async (o: { name: string; owner: string; firstReviewDue: string; program: string }) => {
      const body = parse(EstablishProgramBody, {
        programId: o.program,
        name: o.name,
        ownerId: o.owner,
        firstReviewDueOn: o.firstReviewDue,
      });
      await cli.withApp(async (app) => {
        const ctx = await cli.actor(app);
        const r = await app
          .get(CommandBus)
          .execute<EstablishRiskProgramCommand, { programId: string; reviewDueOn: string | null; version: bigint }>(
            new EstablishRiskProgramCommand(body, ctx),
          );
        cli.print({ ...r, version: Number(r.version) });
      });
    });
  risk
    .command('start')
    .description('start a risk assessment (optionally from the previous one: prints the differences)')
    .requiredOption('--title <text>')
    .requiredOption('--period-start <YYYY-MM-DD>')
    .requiredOption('--period-end <YYYY-MM-DD>')
    .option('--from <assessmentId>')
    .option('--program <id>', 'program id', 'default')
    .option('--phi-confirmed', 'the title holds identifiers on purpose: record it anyway (the confirmation is recorded)')
    .action(
      async (o: { title: string; periodStart: string; periodEnd: string; from?: string; program: string; phiConfirmed?: boolean }) => {
        const body = parse(StartAssessmentBody, {
          programId: o.program,
          title: o.title,
          periodStart: o.periodStart,
          periodEnd: o.periodEnd,
          ...(o.from ? { fromAssessmentId: o.from } : {}),
        });
        await cli.withApp(async (app) => {
          const ctx = await cli.actor(app);
          await cli.screenFreeText(app, ctx, body, { command: 'risk start', phiConfirmed: o.phiConfirmed });
          const r = await app
            .get(CommandBus)
            .execute<StartRiskAssessmentCommand, { assessmentId: string; version: bigint; diff: AssessmentDiff | null }>(
              new StartRiskAssessmentCommand(body, ctx),
            );
          cli.print({ assessmentId: r.assessmentId, version: Number(r.version), diff: r.diff });
        });
      },
    );
  for (const step of ['submit', 'approve', 'complete'] as const) {
    risk
      .command(`${step} <assessmentId>`)
      .description(
        `${step} a risk assessment${step === 'approve' ? ' (a different person from who submitted it)' : step === 'complete' ? ' (schedules the next annual review)' : ''}`,
      )
      .action(async (id: string) => {
        if (!UUID_RE.test(id)) throw new CliUsageError('assessmentId: expected a UUID');
        await cli.withApp(async (app) => {
          const ctx = await cli.actor(app);
          const bus = app.get(CommandBus);
          if (step === 'complete') await bus.execute(new CompleteRiskAssessmentCommand(id, ctx));
          else await bus.execute(new RunAssessmentCommand(id, { kind: step }, ctx));
          const a = await app.get(RiskQueries).getAssessment(id);
          cli.print({ assessmentId: id, status: a.status, nextReviewDueOn: a.nextReviewDueOn ?? null });
        });
      });
  }
  risk
    .command('propose')
    .description('propose a candidate risk (hardening finding, incident, significant change); idempotent')
    .requiredOption('--origin <origin>', 'hardening-finding | incident | significant-change')
    .requiredOption('--source <kind:id>', 'e.g. agent:agent-01')
    .requiredOption('--code <code>', 'stable finding code, e.g. ssh-root-login')
    .requiredOption('--title <text>')
    .requiredOption('--severity <level>', 'low | moderate | high | critical')
    .option('--phi-confirmed', 'the title holds identifiers on purpose: record it anyway (the confirmation is recorded)')
    .action(async (o: { origin: string; source: string; code: string; title: string; severity: string; phiConfirmed?: boolean }) => {
      const [kind, ...rest] = o.source.split(':');
      const body = parse(CandidateBody, {
        origin: o.origin,
        sourceRef: { kind, id: rest.join(':') },
        code: o.code,
        title: o.title,
        severity: o.severity,
      });
      await cli.withApp(async (app) => {
        const ctx = await cli.actor(app);
        await cli.screenFreeText(app, ctx, body, {
          command: 'risk propose',
          incidentId: kind === 'incident' ? rest.join(':') : null,
          phiConfirmed: o.phiConfirmed,
        });
        cli.print(await app.get(CommandBus).execute(new ProposeRiskCandidateCommand(body as CandidateInput, ctx)));
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
