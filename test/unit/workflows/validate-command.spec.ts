import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerWorkflowsCommands, workflowsValidate } from '../../../src/workflows/cli/workflows.command';

const SHIPPED = join(__dirname, '../../../workflows');

describe('safeharbor workflows validate', () => {
  let dir: string;
  let out: string[];
  let err: string[];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wfv-'));
    for (const f of readdirSync(SHIPPED).filter((n) => n.endsWith('.yaml'))) copyFileSync(join(SHIPPED, f), join(dir, f));
    out = [];
    err = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and lists the definitions when all are valid', () => {
    expect(workflowsValidate(dir, io)).toBe(0);
    expect(out.some((l) => /^ok {2}breach-notification@1 .*\(5 reminders, 4 escalation steps\)$/.test(l))).toBe(true);
    expect(err).toEqual([]);
  });

  it('exits 2 naming file, path and reason for a broken file', () => {
    writeFileSync(join(dir, 'key-rotation.yaml'), 'workflow: key-rotation\nversion: 0\ntitle: K\nsubjectKinds: [key]\nescalation:\n  - after: soon\n    to: [security-officer]\n');
    expect(workflowsValidate(dir, io)).toBe(2);
    expect(err.filter((l) => l.includes('key-rotation.yaml'))).toEqual([
      expect.stringMatching(/key-rotation\.yaml: version: expected a whole number ≥ 1 \(line 2\)$/),
      expect.stringMatching(/key-rotation\.yaml: escalation\[0\]\.after: expected a duration like "7d" \(units: d, w, mo, y\) \(line 6\)$/),
    ]);
    expect(err[err.length - 1]).toMatch(/^2 problems in /);
  });

  it('registers on a commander program and sets the exit code', async () => {
    writeFileSync(join(dir, 'broken.yaml'), 'workflow: [\n');
    const program = new Command().exitOverride();
    registerWorkflowsCommands(program, io);
    await expect(program.parseAsync(['node', 'safeharbor', 'workflows', 'validate', dir])).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/^1 problem in .*; nothing was loaded$/),
    });
    expect(err[0]).toMatch(/broken\.yaml: YAML syntax: /);
  });
});
