#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { CLI_REGISTRARS } from './commands';
import { CliRuntime, exitCodeFor } from './runtime';

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
  for (const register of CLI_REGISTRARS) register(program, cli);
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
