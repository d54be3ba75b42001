import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { CliUsageError, type CliRuntime } from '../../cli/runtime';
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
    .option('--explain', 'add the explain section: for each affected jurisdiction why each duty is or is not owed, with rule version and citation')
    .action((opts: { input: string; explain?: boolean }) => {
      const raw = parseTriageJsonText(readInput(opts.input));
      const { body } = evaluateTriageRequest(raw, undefined, { explain: opts.explain === true });
      process.stdout.write(body);
    });
}
