/**
 * The default text of reminder and escalation messages. Ids, dates and workflow text only —
 * never PHI. The notices templates can replace this by wrapping the Notifier.
 */
import type { WorkflowDefinition } from './definition';
import type { PlannedTimer } from './timers';

export function renderTimerMessage(
  def: WorkflowDefinition,
  timer: PlannedTimer,
  daysLeft: number,
): { subject: string; body: string } {
  const when =
    daysLeft > 1
      ? `due in ${daysLeft} days`
      : daysLeft === 1
        ? 'due tomorrow'
        : daysLeft === 0
          ? 'due TODAY'
          : `OVERDUE by ${-daysLeft} day${daysLeft === -1 ? '' : 's'}`;
  const tag = timer.kind === 'reminder' ? 'Reminder' : 'ESCALATION';
  const subject = `[Safe Harbor] ${tag}: ${def.title} - ${timer.subject.kind} ${timer.subject.id} ${when} (${timer.dueOn})`;
  const lines = [
    `${tag}: ${def.title}`,
    '',
    `Subject:   ${timer.subject.kind} ${timer.subject.id}`,
    `Due on:    ${timer.dueOn} (${when})`,
    `Step:      ${timer.step} (workflow ${def.workflow}, version ${timer.workflowVersion})`,
    `Addressed: ${timer.to.join(', ')}`,
  ];
  if (def.citation) lines.push(`Citation:  ${def.citation}`);
  lines.push(
    '',
    timer.kind === 'reminder'
      ? 'Please complete this before the due date and record it in Safe Harbor.'
      : 'This is past or at its due date and has not been recorded as done. It is escalated to the roles above.',
    '',
    `Timer id: ${timer.timerId}`,
  );
  return { subject, body: lines.join('\n') };
}
