/**
 * `safeharbor workflows validate [DIR]`: exit 0 when every workflows/*.yaml is valid, exit 2 with
 * one line per problem (file: path: reason (line N)) otherwise. Register it on the foundation's
 * commander program with `registerWorkflowsCommands(program)`.
 */
import type { Command } from 'commander';
import { formatIssueWithLine, loadWorkflowDir } from '../loader';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
};

export function defaultWorkflowsDir(): string {
  return process.env.SAFEHARBOR_WORKFLOWS_DIR ?? 'workflows';
}

/** Prints the result and returns the exit code (0 valid, 2 invalid). */
export function workflowsValidate(dir: string = defaultWorkflowsDir(), io: CliIo = defaultIo): number {
  const r = loadWorkflowDir(dir, { displayRoot: process.cwd() });
  if (r.issues.length > 0) {
    for (const i of r.issues) io.err(formatIssueWithLine(i));
    io.err(invalidSummary(r.issues.length, dir));
    return 2;
  }
  for (const { file, definition: d } of r.definitions) {
    const parts = [`${d.reminders.length} reminder${d.reminders.length === 1 ? '' : 's'}`, `${d.escalation.length} escalation step${d.escalation.length === 1 ? '' : 's'}`];
    if (d.recurrence) parts.push(`recurs every ${d.recurrence.every} from ${d.recurrence.from}`);
    if (d.schedule) parts.push(`schedule "${d.schedule.cron}"`);
    io.out(`ok  ${d.workflow}@${d.version}  ${file}  (${parts.join(', ')})`);
  }
  io.out(`${r.definitions.length} workflow definition${r.definitions.length === 1 ? '' : 's'} valid`);
  return 0;
}

function invalidSummary(n: number, dir: string): string {
  return `${n} problem${n === 1 ? '' : 's'} in ${dir}; nothing was loaded`;
}

/** Bad definitions: the CLI's error handler turns this into exit code 2. */
export class WorkflowsInvalidCliError extends Error {
  readonly code = 'VALIDATION';
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/**
 * Registers `workflows validate [DIR]`. On problems it prints one line per issue on stderr and
 * throws (the CLI maps it to exit 2, `onInvalid` lets the caller choose another error type).
 */
export function registerWorkflowsCommands(
  program: Command,
  io: CliIo = defaultIo,
  onInvalid: (summary: string) => Error = (m) => new WorkflowsInvalidCliError(m),
): Command {
  const wf = program.command('workflows').description('declarative timelines (workflows/*.yaml)');
  wf.command('validate')
    .argument('[dir]', 'folder holding the workflow definitions', defaultWorkflowsDir())
    .description('validate every workflow definition; exit 2 naming file, path and reason')
    .action((dir: string) => {
      const errs: string[] = [];
      const code = workflowsValidate(dir, { out: io.out, err: (l) => errs.push(l) });
      if (code !== 0) {
        for (const l of errs.slice(0, -1)) io.err(l);
        throw onInvalid(errs[errs.length - 1]);
      }
    });
  return wf;
}
