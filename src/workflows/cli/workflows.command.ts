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

/** Returns the exit code (0 valid, 2 invalid). */
export function workflowsValidate(dir: string = defaultWorkflowsDir(), io: CliIo = defaultIo): number {
  const r = loadWorkflowDir(dir, { displayRoot: process.cwd() });
  if (r.issues.length > 0) {
    for (const i of r.issues) io.err(formatIssueWithLine(i));
    io.err(`${r.issues.length} problem${r.issues.length === 1 ? '' : 's'} in ${dir}; nothing was loaded`);
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

export function registerWorkflowsCommands(program: Command, io: CliIo = defaultIo): Command {
  const wf = program.command('workflows').description('declarative timelines (workflows/*.yaml)');
  wf.command('validate')
    .argument('[dir]', 'folder holding the workflow definitions', defaultWorkflowsDir())
    .description('validate every workflow definition; exit 2 naming file, path and reason')
    .action((dir: string) => {
      process.exitCode = workflowsValidate(dir, io);
    });
  return wf;
}
