#!/usr/bin/env node
import { Command } from 'commander';
import { registrarsFor } from './commands';
import { CliRuntime, exitCodeFor } from './runtime';

/** The top-level command argv names (`help X` names X), skipping the global options. */
export function commandNameOf(argv: readonly string[]): string | undefined {
  const positional: string[] = [];
  for (let i = 0; i < argv.length && positional.length < 2; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--api-key') i++;
    else if (!a.startsWith('-')) positional.push(a);
  }
  return positional[0] === 'help' ? positional[1] : positional[0];
}

/** The `safeharbor` command. Exit codes: 0 ok, 1 failure, 2 bad usage or invalid input. */
export async function runCli(argv: string[]): Promise<number> {
  const program = new Command();
  program
    .name('safeharbor')
    .description('Safe Harbor: HIPAA/HITECH compliance and breach notification on a tamper-evident ledger')
    .option('--api-key <key>', 'your API key (or set SAFEHARBOR_API_KEY)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError();
  const cli = new CliRuntime(() => program.opts<{ apiKey?: string }>().apiKey);
  // Only the group that owns the command is loaded; help and unknown commands load them all.
  for (const register of await registrarsFor(commandNameOf(argv))) register(program, cli);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return 2; // commander already printed why
    const { code: exit, message } = exitCodeFor(err);
    process.stderr.write(`safeharbor: ${message}\n`);
    return exit;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`safeharbor: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
