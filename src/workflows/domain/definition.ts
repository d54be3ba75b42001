/**
 * The schema of a workflow definition (workflows/<name>.yaml) and its validation.
 *
 * A definition declares a timeline around one due date: reminders before it, escalations at and
 * after it (up a chain of roles), optionally how the next due date follows a completion
 * (recurrence) and a calendar schedule that opens new work (e.g. quarterly campaigns).
 * Definitions are versioned: a timeline keeps the version it was scheduled under.
 */
import { z } from 'zod';
import { DURATION_HINT, DURATION_RE, parseDuration } from './duration';
import { isTimeOfDay } from '../../shared/calendar';

/** Roles a reminder or escalation can be addressed to. */
export const WORKFLOW_ROLES = [
  // organization roles (resolved to mailboxes by the role directory)
  'compliance-officer',
  'privacy-officer',
  'security-officer',
  'incident-responder',
  'auditor',
  'admin',
  'executive',
  // subject roles (resolved to the principals the timeline names, e.g. a treatment's owner)
  'owner',
  'reviewer',
  'custodian',
] as const;
export type WorkflowRole = (typeof WORKFLOW_ROLES)[number];
export const SUBJECT_ROLES: readonly WorkflowRole[] = ['owner', 'reviewer', 'custodian'];

const NAME_RE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
// Five cron fields (minute hour day-of-month month day-of-week), numbers, ranges, lists, steps.
const CRON_FIELD = String.raw`(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*`;
const CRON_RE = new RegExp(`^${CRON_FIELD}( ${CRON_FIELD}){4}$`);

/** Zod error option: "required" when the field is missing, else the given reason. */
const err = (reason: string) => ({
  error: (iss: { input?: unknown }) => (iss.input === undefined ? 'required' : reason),
});

const duration = z.string(err(DURATION_HINT)).regex(DURATION_RE, { error: DURATION_HINT });

const role = z.enum(WORKFLOW_ROLES, {
  error: (iss) =>
    iss.input === undefined
      ? 'required'
      : `unknown role ${JSON.stringify(iss.input)}; expected one of ${WORKFLOW_ROLES.join(', ')}`,
});

const roles = z
  .array(role, err('expected a list of roles'))
  .min(1, { error: 'expected at least one role' })
  .refine((rs) => new Set(rs).size === rs.length, { error: 'a role is listed twice' });

const ACTION_HINT = 'expected an action name (lowercase words joined by "-") that a context registers';
/** Optional effect run by the context that registered it when the step fires (e.g. expire-access-grant). */
const action = z.string(err(ACTION_HINT)).regex(NAME_RE, { error: ACTION_HINT }).optional();
const reminder = z.strictObject({ before: duration, to: roles, action }, err('expected a mapping with "before" and "to"'));
const escalation = z.strictObject({ after: duration, to: roles, action }, err('expected a mapping with "after" and "to"'));

const NAME_HINT = (what: string) => `expected ${what} (lowercase words joined by "-")`;
const name = (what: string) => z.string(err(NAME_HINT(what))).regex(NAME_RE, { error: NAME_HINT(what) });
const WHOLE = 'expected a whole number ≥ 1';
const TIME_HINT = 'expected a local time of day like "09:00"';
const CRON_HINT = 'expected a 5-field cron pattern like "0 9 1 1,4,7,10 *"';

export const workflowDefinitionSchema = z
  .strictObject(
    {
      workflow: name('the workflow name'),
      version: z.number(err(WHOLE)).int({ error: WHOLE }).min(1, { error: WHOLE }),
      title: z.string(err('expected a title')).min(1, { error: 'expected a title' }),
      description: z.string(err('expected text')).optional(),
      citation: z.string(err('expected text')).optional(),
      subjectKinds: z
        .array(name('a subject kind'), err('expected a list of subject kinds'))
        .min(1, { error: 'expected at least one subject kind' }),
      fireAt: z.string(err(TIME_HINT)).refine(isTimeOfDay, { error: TIME_HINT }).default('09:00'),
      reminders: z.array(reminder, err('expected a list of reminders')).default([]),
      escalation: z.array(escalation, err('expected a list of escalation steps')).default([]),
      recurrence: z
        .strictObject(
          {
            every: duration,
            from: z.enum(['completion', 'due'], err('expected "completion" or "due"')),
          },
          err('expected a mapping with "every" and "from"'),
        )
        .optional(),
      schedule: z
        .strictObject(
          { cron: z.string(err(CRON_HINT)).regex(CRON_RE, { error: CRON_HINT }), description: z.string(err('expected text')).optional() },
          err('expected a mapping with "cron"'),
        )
        .optional(),
    },
    { error: () => 'expected a mapping of workflow fields (workflow, version, title, …)' },
  )
  .superRefine((def, ctx) => {
    const seen = new Map<string, number>();
    def.reminders.forEach((r, i) => {
      if (seen.has(r.before)) {
        ctx.addIssue({
          code: 'custom',
          path: ['reminders', i, 'before'],
          message: `duplicate reminder "${r.before}" (also reminders[${seen.get(r.before)}])`,
        });
      } else seen.set(r.before, i);
    });
    const seenEsc = new Map<string, number>();
    def.escalation.forEach((e, i) => {
      if (seenEsc.has(e.after)) {
        ctx.addIssue({
          code: 'custom',
          path: ['escalation', i, 'after'],
          message: `duplicate escalation "${e.after}" (also escalation[${seenEsc.get(e.after)}])`,
        });
      } else seenEsc.set(e.after, i);
    });
    if (def.recurrence && parseDuration(def.recurrence.every).amount === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['recurrence', 'every'],
        message: 'a recurrence must be longer than zero',
      });
    }
    if (def.reminders.length === 0 && def.escalation.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['reminders'],
        message: 'a workflow needs at least one reminder or escalation step',
      });
    }
  });

export type WorkflowDefinition = z.output<typeof workflowDefinitionSchema>;

export interface ValidationIssue {
  /** The file the definition came from (as given to the loader), or "<input>". */
  file: string;
  /** Dotted path with [index] for arrays, e.g. reminders[2].before; "" for the whole document. */
  path: string;
  reason: string;
}

export function formatIssue(i: ValidationIssue): string {
  return i.path ? `${i.file}: ${i.path}: ${i.reason}` : `${i.file}: ${i.reason}`;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

export type ValidationResult =
  | { ok: true; definition: WorkflowDefinition }
  | { ok: false; issues: ValidationIssue[] };

/** Validates a parsed document. Zod's messages are kept when they already name the problem. */
export function validateDefinition(doc: unknown, file = '<input>'): ValidationResult {
  const parsed = workflowDefinitionSchema.safeParse(doc);
  if (!parsed.success) {
    const issues: ValidationIssue[] = [];
    for (const iss of parsed.error.issues) {
      if (iss.code === 'unrecognized_keys') {
        for (const key of iss.keys) {
          issues.push({ file, path: formatPath([...iss.path, key]), reason: 'unknown field' });
        }
        continue;
      }
      let reason = iss.message;
      if (iss.code === 'invalid_type' && /received undefined/.test(reason)) reason = 'required';
      issues.push({ file, path: formatPath(iss.path), reason });
    }
    return { ok: false, issues };
  }
  return { ok: true, definition: parsed.data };
}
