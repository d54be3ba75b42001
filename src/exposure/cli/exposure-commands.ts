/**
 * `safeharbor exposure` (what each dataset would cost if it leaked today) and the population
 * commands under `datasets` (declare, recertify). Heavy imports stay inside the actions.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliUsageError, type CliRuntime } from '../../cli/runtime';
import type * as Datasets from '../../datasets';
import type { ExposureReport } from '../exposure.service';

const ID_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const id = (field: string, v: string) => {
  if (!ID_RE.test(v)) throw new CliUsageError(`${field}: must be a lower-case id (a-z, 0-9, -)`);
  return v;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerExposureCommands(program: Command, cli: CliRuntime): void {
  program
    .command('exposure')
    .description('if each dataset leaked today: obligations, deadlines, letters, cost, and what encryption would change (largest first)')
    .option('--dataset <id>', 'a dataset to analyse (repeat for a set leaked together); default: every dataset', collect)
    .option('--cost-model <file>', 'JSON with cost-model fields to override (docs/exposure.md)')
    .option('--json', 'print the full JSON instead of the table')
    .action(async (o: { dataset?: string[]; costModel?: string; json?: boolean }) => {
      const ids = o.dataset?.map((d) => id('--dataset', d));
      const { costModelOverrides, costModelWith } = await import('../domain/cost-model');
      let overrides = {};
      if (o.costModel) {
        let raw: unknown;
        try {
          raw = JSON.parse(readFileSync(o.costModel, 'utf8'));
        } catch {
          throw new CliUsageError('--cost-model: not a readable JSON file');
        }
        const r = costModelOverrides.safeParse(raw);
        if (!r.success)
          throw new CliUsageError(
            `--cost-model: ${r.error.issues.map((i) => `${i.path.join('.') || (i as { keys?: string[] }).keys?.join(',')}: ${i.message}`).join('; ')}`,
          );
        overrides = r.data;
      }
      await cli.withApp(async (app) => {
        await cli.actor(app);
        const { ExposureService } = await import('../exposure.service');
        const report = await app.get(ExposureService).report(ids ? [...new Set(ids)] : undefined, costModelWith(overrides));
        cli.print(o.json ? report : renderExposureText(report));
      });
    });

  const datasets = program.commands.find((c) => c.name() === 'datasets') ?? program.command('datasets');
  datasets
    .command('population <datasetId>')
    .description('declare who the dataset holds: individuals by state and the kinds of identifiers (no values)')
    .requiredOption('--state <CODE=N>', 'individuals resident in a state or territory (repeat); unknown=N for no known state', collect)
    .requiredOption(
      '--elements <list>',
      'kinds of identifiers, comma-separated: name, ssn, medical-record-number, medical, financial-account, …',
    )
    .option('--forms <list>', 'electronic, paper', 'electronic')
    .option('--email-agreed <n>', 'individuals who agreed to notice by email', '0')
    .option('--without-contact <n>', 'individuals without usable contact information (substitute notice)', '0')
    .action((datasetId: string, o: { state: string[]; elements: string; forms: string; emailAgreed: string; withoutContact: string }) => {
      const byState: Record<string, number> = {};
      for (const s of o.state) {
        const m = /^([A-Za-z]{2}|unknown)=(\d+)$/.exec(s);
        if (!m) throw new CliUsageError('--state: must be CODE=N, e.g. TX=600');
        const k = m[1] === 'unknown' ? 'unknown' : m[1].toUpperCase();
        byState[k] = (byState[k] ?? 0) + Number(m[2]);
      }
      const num = (field: string, v: string) => {
        if (!/^\d+$/.test(v)) throw new CliUsageError(`${field}: must be a whole number`);
        return Number(v);
      };
      const population = {
        byState,
        dataElements: o.elements.split(',').map((x) => x.trim()),
        recordForms: o.forms.split(',').map((x) => x.trim()),
        emailAgreed: num('--email-agreed', o.emailAgreed),
        noContact: num('--without-contact', o.withoutContact),
      };
      return cli.withApp(async (app) => {
        const ctx = await cli.actor(app);
        const { CommandBus, QueryBus } = await import('@nestjs/cqrs');
        const ds = await import('../../datasets');
        const { ValidationError } = await import('../../platform/errors');
        const { DATA_ELEMENTS, RECORD_FORMS } = await import('../../shared/data-elements');
        for (const e of population.dataElements)
          if (!(DATA_ELEMENTS as readonly string[]).includes(e)) throw ValidationError.field('--elements', `unknown kind ${e}`);
        for (const f of population.recordForms)
          if (!(RECORD_FORMS as readonly string[]).includes(f)) throw ValidationError.field('--forms', `unknown form ${f}`);
        const r = await app
          .get(CommandBus)
          .execute<InstanceType<typeof ds.DeclarePopulationCommand>, { version: bigint }>(
            new ds.DeclarePopulationCommand(id('datasetId', datasetId), population as never, ctx),
          );
        cli.print(
          (
            await app
              .get(QueryBus)
              .execute<InstanceType<typeof ds.GetDatasetQuery>, Datasets.DatasetResult>(new ds.GetDatasetQuery(datasetId, r.version))
          ).view,
        );
      });
    });
  datasets
    .command('recertify <datasetId>')
    .description('the population as declared is still right: certify it again today')
    .action((datasetId: string) =>
      cli.withApp(async (app) => {
        const ctx = await cli.actor(app);
        const { CommandBus, QueryBus } = await import('@nestjs/cqrs');
        const ds = await import('../../datasets');
        const r = await app
          .get(CommandBus)
          .execute<InstanceType<typeof ds.RecertifyPopulationCommand>, { version: bigint }>(
            new ds.RecertifyPopulationCommand(id('datasetId', datasetId), ctx),
          );
        cli.print(
          (
            await app
              .get(QueryBus)
              .execute<InstanceType<typeof ds.GetDatasetQuery>, Datasets.DatasetResult>(new ds.GetDatasetQuery(datasetId, r.version))
          ).view,
        );
      }),
    );
}

const usd = (n: number) => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** The ranked table, then the cost model used (the defaults are shown, not hidden). */
export function renderExposureText(r: ExposureReport): string {
  const rows = r.datasets.map((x) => {
    const t = x.today === 'secured' ? x.secured : x.unsecured;
    const owed: string[] = [];
    if (t.breach) {
      owed.push(`${t.letters} letters`);
      if (t.emails) owed.push(`${t.emails} emails`);
      if (t.substituteNotice) owed.push('substitute');
      if (t.mediaNotice.length) owed.push(`media ${t.mediaNotice.map((m) => m.jurisdiction).join('/')}`);
      if (t.hhsNotice) owed.push(`HHS ${t.hhsNotice.timing}`);
      if (t.stateRegulators.length) owed.push(`regulators ${[...new Set(t.stateRegulators.map((s) => s.jurisdiction))].join('/')}`);
      if (t.creditMonitoring.length) owed.push('credit monitoring');
    }
    return [
      x.datasetIds.join('+') + (x.populationStale ? ' (stale)' : ''),
      String(x.individuals),
      x.dataElements.includes('ssn') ? 'yes' : 'no',
      x.today === 'secured' ? 'yes' : 'no',
      t.breach ? owed.join(', ') : 'nothing',
      t.daysAvailable === null ? '-' : String(t.daysAvailable),
      usd(x.costToday),
      usd(x.secured.cost.total),
      usd(x.unsecured.cost.total),
    ];
  });
  const head = ['dataset', 'people', 'SSN', 'safe harbor', 'owed if leaked today', 'days', 'cost today', 'if encrypted', 'if unsecured'];
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const right = new Set([1, 5, 6, 7, 8]);
  const line = (row: string[]) =>
    row
      .map((v, i) => (right.has(i) ? v.padStart(w[i]) : v.padEnd(w[i])))
      .join('  ')
      .trimEnd();
  const out = [
    `Exposure if leaked today (${r.today}), largest first — ${r.costModel.currency}`,
    '',
    line(head),
    line(w.map((n) => '-'.repeat(n))),
  ];
  out.push(...rows.map(line));
  out.push(
    '',
    `Total: ${r.totals.individuals} individuals; cost today ${usd(r.totals.costToday)}; if every dataset were encrypted ${usd(r.totals.costIfAllEncrypted)} (encryption would save ${usd(r.totals.encryptionWouldSave)})`,
  );
  if (r.combined)
    out.push(
      `Leaked together (${r.combined.datasetIds.join(', ')}): ${r.combined.individuals} individuals, cost today ${usd(r.combined.costToday)}, if encrypted ${usd(r.combined.secured.cost.total)}`,
    );
  if (r.withoutPopulation.length) out.push(`No population declared (not analysed): ${r.withoutPopulation.join(', ')}`);
  const m = r.costModel;
  out.push(
    '',
    `Cost model: letter ${usd(m.printPerLetter)} print + ${usd(m.postagePerLetter)} postage; email ${usd(m.perEmail)}; call centre ${usd(m.callCenterPer1000)} per 1,000 notified;`,
    `  credit monitoring ${usd(m.creditMonitoringPerPersonMonth)} per person-month × ${m.creditMonitoringMonths} months (longer where a state requires), uptake ${m.creditMonitoringUptake * 100}%;`,
    `  media notice ${usd(m.mediaNoticePerJurisdiction)} per state; substitute notice ${usd(m.substituteNotice)}. Override with --cost-model (docs/exposure.md).`,
  );
  return out.join('\n');
}
