import type { Command } from 'commander';
import { CliUsageError, exitCodeFor, type CliRuntime } from './runtime';
import type { ProcessRole } from '../platform/tokens';

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliUsageError(`--port: expected 0-65535, got "${value}"`);
  return n;
}

/**
 * `safeharbor api | worker | scheduler`: one role per process for a scaled-out deployment
 * (containers, systemd units). `safeharbor serve` / `npm start` keep all three in one process.
 */
export function registerRoleCommands(program: Command, _cli: CliRuntime): void {
  const roles: Array<[ProcessRole, string]> = [
    ['api', 'run the HTTP API only (read models kept by catch-up from the ledger); run as many as you like'],
    ['worker', 'run event processors and BullMQ workers only (timers, notices, agent results); run as many as you like'],
    ['scheduler', 'run the scheduler (reconciler, job-scheduler upserts) under a Redis lock: one leads, others stand by'],
  ];
  for (const [role, description] of roles) {
    program
      .command(role)
      .description(description)
      .option('--port <port>', role === 'api' ? 'HTTP port (default: PORT)' : 'port of the /health and /metrics listener (default: PORT)')
      .action(async (opts: { port?: string }) => {
        const port = opts.port === undefined ? undefined : parsePort(opts.port);
        const { runRolesUntilSignalled } = await import('../app/run-role');
        try {
          await runRolesUntilSignalled([role], { port });
        } catch (err) {
          // A process that could not start must not linger on half-opened connections.
          const { code, message } = exitCodeFor(err);
          process.stderr.write(`safeharbor ${role}: ${message}\n`);
          process.exit(code);
        }
      });
  }
}
