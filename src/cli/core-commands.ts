import type { Command } from 'commander';
import { PrincipalsService } from '../auth/principals.service';
import { isRole, ROLES } from '../shared/roles';
import { PROJECTION_RUNNER, type ProjectionRunner } from '../ledger/projections/projection-runner';
import { CliUsageError, type CliRuntime } from './runtime';

export function registerCoreCommands(program: Command, cli: CliRuntime): void {
  program
    .command('serve')
    .description('run the service: HTTP API, workers and scheduler in one process (what npm start runs)')
    .action(async () => {
      const { serve } = await import('../main');
      await serve();
      await new Promise(() => undefined); // until SIGTERM
    });

  const principals = program.command('principals').description('people and agents that may act in Safe Harbor');
  principals
    .command('create')
    .description('create a principal and print its API key (shown once). Needs an admin key, except for the very first principal.')
    .requiredOption('--name <name>', 'display name (no PHI)')
    .requiredOption('--role <role>', `one of: ${ROLES.join(', ')}`)
    .action(async (opts: { name: string; role: string }) => {
      if (!isRole(opts.role)) throw new CliUsageError(`--role must be one of: ${ROLES.join(', ')}`);
      if (!opts.name.trim()) throw new CliUsageError('--name must not be empty');
      await cli.withApp(
        async (app) => {
          const service = app.get(PrincipalsService);
          let ctx;
          if (service.count() === 0) {
            ctx = { actor: { id: 'local-operator', role: 'admin' }, correlationId: 'cli-bootstrap' };
          } else {
            ctx = await cli.actor(app);
            if (ctx.actor.role !== 'admin') throw new CliUsageError('only an admin may create principals');
          }
          const { principal, apiKey } = await service.create(opts.name.trim(), opts.role as never, ctx);
          cli.print({ ...principal, apiKey, note: 'store this key now: it is not shown again' });
        },
        ['cli'],
        { mayCreateKey: true },
      );
    });
  principals
    .command('list')
    .description('list principals (never their keys)')
    .action(async () => {
      await cli.withApp(async (app) => {
        await cli.actor(app);
        cli.print(app.get(PrincipalsService).list());
      });
    });

  program
    .command('projections')
    .description('read models')
    .command('rebuild [name]')
    .description('empty a read model (or all) and replay the whole ledger into it')
    .action(async (name?: string) => {
      await cli.withApp(async (app) => {
        const runner = app.get<ProjectionRunner>(PROJECTION_RUNNER);
        if (name && !runner.names().includes(name))
          throw new CliUsageError(`unknown projection "${name}"; known: ${runner.names().join(', ')}`);
        let bar: ReturnType<CliRuntime['progress']> | null = null;
        await runner.rebuild(name, (pos, head) => {
          bar ??= cli.progress('rebuild', Number(head));
          bar.update(Number(pos));
        });
        (bar as ReturnType<CliRuntime['progress']> | null)?.stop();
        cli.print({ rebuilt: name ? [name] : runner.names() });
      });
    });
}
