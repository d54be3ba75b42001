import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { CliUsageError, type CliRuntime } from '../../cli/runtime';
import { coverageSummary, coverageTable } from '../domain/triage/coverage';
import { StateOverlayError } from '../domain/triage/state-overlays';
import { DEFAULT_OVERLAYS_DIR, loadStateOverlays } from '../infrastructure/state-overlays.loader';
import { evaluateTriageRequest, parseTriageJsonText } from '../triage.service';

function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new CliUsageError(`cannot read --input ${file === '-' ? '(stdin)' : file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/**
 * `safeharbor triage --input FILE|- [--explain]`: evaluates the contract locally (pure, no service,
 * no key) and prints exactly the JSON the HTTP endpoint returns (`?explain=true` for `--explain`).
 * Invalid input exits 2 naming the field.
 */
export function registerTriageCommands(program: Command, _cli: CliRuntime): void {
  program
    .command('triage')
    .description('evaluate HITECH breach triage for one incident’s facts (contract v1); prints the result JSON')
    .requiredOption('--input <file>', 'JSON input file, or - for standard input')
    .option(
      '--explain',
      'add the explain section: for each affected jurisdiction why each duty is or is not owed, with rule version and citation',
    )
    .action((opts: { input: string; explain?: boolean }) => {
      const raw = parseTriageJsonText(readInput(opts.input));
      const { body } = evaluateTriageRequest(raw, undefined, { explain: opts.explain === true });
      process.stdout.write(body);
    });

  const overlays = program.command('overlays').description('the versioned state breach-law overlays (workflows/state-overlays)');
  const load = (dir?: string) => {
    try {
      return loadStateOverlays(dir ?? process.env.SAFEHARBOR_STATE_OVERLAYS_DIR ?? DEFAULT_OVERLAYS_DIR);
    } catch (e) {
      // A bad file is a usage error (exit 2): the message names the file, field path and line.
      if (e instanceof StateOverlayError) throw new CliUsageError(e.message);
      throw e;
    }
  };
  overlays
    .command('validate [dir]')
    .description('check every overlay file (exit 0, or exit 2 naming file, field and line)')
    .action((dir?: string) => {
      const s = coverageSummary(load(dir));
      process.stdout.write(
        `${s.jurisdictions} jurisdictions, ${s.rules} rules, ${s.versions} versions valid; ${s.versionsNeedingReview} versions marked needs legal review\n`,
      );
    });
  overlays
    .command('coverage [dir]')
    .description('print the coverage table (markdown): every jurisdiction, rule versions, HIPAA effect, notices, review status')
    .action((dir?: string) => {
      process.stdout.write(`${coverageTable(load(dir))}\n`);
    });
}
