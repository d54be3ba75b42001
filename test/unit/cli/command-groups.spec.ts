import { Command } from 'commander';
import { CLI_GROUPS } from '../../../src/cli/commands';
import { commandNameOf } from '../../../src/cli/main';
import { CliRuntime } from '../../../src/cli/runtime';

describe('CLI command groups (loaded per command)', () => {
  it('each group registers exactly the top-level commands it lists', async () => {
    for (const group of CLI_GROUPS) {
      const program = new Command();
      (await group.load())(program, new CliRuntime(() => undefined));
      expect({ group: group.commands, registers: program.commands.map((c) => c.name()).sort() }).toEqual({
        group: group.commands,
        registers: [...group.commands].sort(),
      });
    }
  });

  it('finds the command name past the global options; `help X` names X', () => {
    expect(commandNameOf(['triage', '--input', 'f.json'])).toBe('triage');
    expect(commandNameOf(['--api-key', 'shk_x', 'incidents', 'show', 'id'])).toBe('incidents');
    expect(commandNameOf(['--api-key=shk_x', 'ledger', 'verify'])).toBe('ledger');
    expect(commandNameOf(['help', 'notices'])).toBe('notices');
    expect(commandNameOf(['--help'])).toBeUndefined();
    expect(commandNameOf([])).toBeUndefined();
  });
});
