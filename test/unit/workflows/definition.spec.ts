import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatIssue, validateDefinition } from '../../../src/workflows/domain/definition';
import { formatIssueWithLine, loadWorkflowDir, loadWorkflowDirOrThrow, parseWorkflowYaml, WorkflowValidationError } from '../../../src/workflows/loader';

const SHIPPED = join(__dirname, '../../../workflows');

function minimal(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    workflow: 'demo',
    version: 1,
    title: 'Demo',
    subjectKinds: ['thing'],
    reminders: [{ before: '7d', to: ['compliance-officer'] }],
    ...extra,
  };
}

describe('shipped workflow definitions', () => {
  it('all validate, one per required timeline', () => {
    const r = loadWorkflowDir(SHIPPED);
    expect(r.issues.map(formatIssue)).toEqual([]);
    expect(r.definitions.map((d) => d.definition.workflow).sort()).toEqual(
      expect.arrayContaining(['access-recertification', 'breach-notification', 'key-rotation', 'risk-review-after-change', 'risk-review-annual']),
    );
  });

  it('breach notification reminds 30, 14, 7, 3 and 1 days before and escalates from the due date up a chain of roles', () => {
    const def = loadWorkflowDirOrThrow(SHIPPED).find((d) => d.definition.workflow === 'breach-notification')!.definition;
    expect(def.reminders.map((r) => r.before)).toEqual(['30d', '14d', '7d', '3d', '1d']);
    expect(def.escalation[0].after).toBe('0d');
    const chain = def.escalation.map((e) => e.to.length);
    expect(chain[chain.length - 1]).toBeGreaterThan(chain[0]);
  });

  it('the annual review and key rotation recur a year after completion; recertification is quarterly', () => {
    const defs = new Map(loadWorkflowDirOrThrow(SHIPPED).map((d) => [d.definition.workflow, d.definition]));
    expect(defs.get('risk-review-annual')!.recurrence).toEqual({ every: '1y', from: 'completion' });
    expect(defs.get('key-rotation')!.recurrence).toEqual({ every: '1y', from: 'completion' });
    expect(defs.get('access-recertification')!.schedule!.cron).toBe('0 8 1 1,4,7,10 *');
  });
});

describe('validation errors name file, path and reason', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['a duration that is not one', minimal({ reminders: [{ before: '30d', to: ['owner'] }, { before: '14d', to: ['owner'] }, { before: '7 days', to: ['owner'] }] }), 'f.yaml: reminders[2].before: expected a duration like "7d" (units: d, w, mo, y)'],
    ['a number where a duration goes', minimal({ escalation: [{ after: 3, to: ['owner'] }] }), 'f.yaml: escalation[0].after: expected a duration like "7d" (units: d, w, mo, y)'],
    ['an unknown role', minimal({ reminders: [{ before: '7d', to: ['janitor'] }] }), 'f.yaml: reminders[0].to[0]: unknown role "janitor"'],
    ['an empty role list', minimal({ reminders: [{ before: '7d', to: [] }] }), 'f.yaml: reminders[0].to: expected at least one role'],
    ['an unknown field', minimal({ remindrs: [] }), 'f.yaml: remindrs: unknown field'],
    ['a missing version', { ...minimal(), version: undefined }, 'f.yaml: version: required'],
    ['a fractional version', minimal({ version: 1.5 }), 'f.yaml: version: expected a whole number ≥ 1'],
    ['a bad time of day', minimal({ fireAt: '25:00' }), 'f.yaml: fireAt: expected a local time of day like "09:00"'],
    ['a duplicate reminder', minimal({ reminders: [{ before: '7d', to: ['owner'] }, { before: '7d', to: ['auditor'] }] }), 'f.yaml: reminders[1].before: duplicate reminder "7d" (also reminders[0])'],
    ['no steps at all', minimal({ reminders: [] }), 'f.yaml: reminders: a workflow needs at least one reminder or escalation step'],
    ['a bad cron pattern', minimal({ schedule: { cron: 'every monday' } }), 'f.yaml: schedule.cron: expected a 5-field cron pattern'],
    ['a bad recurrence basis', minimal({ recurrence: { every: '1y', from: 'whenever' } }), 'f.yaml: recurrence.from: expected "completion" or "due"'],
    ['a list instead of a mapping', [] as unknown as Record<string, unknown>, 'f.yaml: expected a mapping of workflow fields'],
  ];
  it.each(cases)('refuses %s', (_name, doc, expected) => {
    const r = validateDefinition(doc, 'f.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map(formatIssue).join('\n')).toContain(expected);
  });

  it('accepts a minimal definition with defaults', () => {
    const r = validateDefinition(minimal(), 'f.yaml');
    expect(r.ok && r.definition.fireAt).toBe('09:00');
    expect(r.ok && r.definition.escalation).toEqual([]);
  });
});

describe('loading a workflows folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wf-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a broken copy of breach-notification.yaml with file, path, reason and line', () => {
    const good = readFileSync(join(SHIPPED, 'breach-notification.yaml'), 'utf8');
    const broken = good.replace(/- before: 7d\n/, '- before: a week\n');
    expect(broken).not.toBe(good);
    writeFileSync(join(dir, 'breach-notification.yaml'), broken);
    const r = loadWorkflowDir(dir, { displayRoot: join(dir, '..') });
    expect(r.definitions).toEqual([]);
    expect(r.issues).toHaveLength(1);
    const line = broken.split('\n').findIndex((l) => l.includes('a week')) + 1;
    const msg = formatIssueWithLine(r.issues[0]);
    expect(msg).toBe(`${dir.split('/').pop()}/breach-notification.yaml: reminders[2].before: expected a duration like "7d" (units: d, w, mo, y) (line ${line})`);
    expect(() => loadWorkflowDirOrThrow(dir)).toThrow(WorkflowValidationError);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    const r = parseWorkflowYaml('workflow: demo\nversion: 1\nversion: 2\n', 'x.yaml');
    expect(r.definition).toBeUndefined();
    expect(r.issues[0]).toMatchObject({ file: 'x.yaml', path: '', line: 3 });
    expect(r.issues[0].reason).toMatch(/^YAML syntax: Map keys must be unique/);
    const r2 = parseWorkflowYaml('reminders: [1,\n', 'y.yaml');
    expect(r2.issues[0].reason).toMatch(/^YAML syntax:/);
  });

  it('requires the workflow name to match the file name and ignores sub-folders', () => {
    writeFileSync(join(dir, 'other.yaml'), 'workflow: demo\nversion: 1\ntitle: Demo\nsubjectKinds: [thing]\nreminders: [{before: 7d, to: [owner]}]\n');
    mkdirSync(join(dir, 'state-overlays'));
    writeFileSync(join(dir, 'state-overlays', 'ca.yaml'), 'not: a workflow\n');
    const r = loadWorkflowDir(dir);
    expect(r.issues.map(formatIssue)).toEqual([`${join(dir, 'other.yaml')}: workflow: "demo" must match the file name "other"`]);
  });

  it('says so when there is nothing to load', () => {
    expect(loadWorkflowDir(dir).issues.map(formatIssue)).toEqual([`${dir}: no workflow definitions (*.yaml) found`]);
    expect(loadWorkflowDir(join(dir, 'missing')).issues[0].reason).toMatch(/cannot read directory \(ENOENT\)/);
  });
});
