import { Table, Text } from '@mantine/core';
import { useSuspenseQuery } from '@tanstack/react-query';
import { formatInstant } from '../../../lib/dates';
import { sessionQuery, type Role } from '../../../session/session';
import { ROLE_LABELS } from '../../../shell/nav';
import type { StepProps } from '../model';
import { StepFrame } from './Facts';

const WORDS: Record<string, string> = {
  IncidentReported: 'Incident reported',
  IncidentFactsRevised: 'Facts revised',
  ExceptionAssessed: 'Exception assessed',
  SafeguardsRecorded: 'Safeguards recorded',
  RiskAssessmentRecorded: 'Risk assessment recorded',
  AffectedListImported: 'Affected list imported',
  AffectedCountsRevised: 'Affected counts revised',
  TriageDecided: 'Triage decided',
  ObligationStarted: 'Obligation started',
  ObligationCompleted: 'Obligation completed',
  ObligationWaiverRequested: 'Waiver requested',
  ObligationWaived: 'Obligation waived',
  IncidentClosed: 'Incident closed',
  TimelineScheduled: 'Deadline reminders scheduled',
  LawEnforcementHoldRecorded: 'Law-enforcement hold recorded',
  LawEnforcementHoldEnded: 'Law-enforcement hold ended',
};

function detail(type: string, d: Record<string, unknown>): string {
  switch (type) {
    case 'AffectedListImported': {
      const c = d.counts as { accepted: number; rejected: number };
      return `list version ${String(d.listVersion)}: ${c.accepted} accepted, ${c.rejected} rejected`;
    }
    case 'TriageDecided':
      return `decision ${String(d.sequence)} (${String(d.trigger)}), rules ${String(d.ruleVersion)}`;
    case 'ExceptionAssessed':
      return d.exception ? String(d.exception) : 'no exception applies';
    case 'RiskAssessmentRecorded':
      return d.lowProbabilityOfCompromise ? 'low probability of compromise' : 'compromise not ruled out';
    case 'TimelineScheduled':
      return String(d.workflow ?? '');
    default:
      return typeof d.obligationId === 'string' ? d.obligationId : '';
  }
}

/** Everything that happened to the incident, read from the ledger in order. */
export function TimelineStep({ timeline }: StepProps) {
  const { data: session } = useSuspenseQuery(sessionQuery);
  return (
    <StepFrame
      title="Timeline"
      intro="Every event of this incident as the ledger recorded it, oldest first, with who did it. Reminders and escalations sent for its deadlines are included."
    >
      <Table striped aria-label="Timeline">
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">When</Table.Th>
            <Table.Th scope="col">What</Table.Th>
            <Table.Th scope="col">Who</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {timeline.map((e) => (
            <Table.Tr key={e.position} data-type={e.type}>
              <Table.Td>{formatInstant(e.recordedAt, session.organization.timeZone)}</Table.Td>
              <Table.Td>
                {WORDS[e.type] ?? e.type}
                <Text size="xs" c="gray.8">
                  {detail(e.type, e.data)}
                </Text>
              </Table.Td>
              <Table.Td>{e.actor.name ?? (e.actor.role ? (ROLE_LABELS[e.actor.role as Role] ?? e.actor.role) : e.actor.id)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </StepFrame>
  );
}
