import { Alert, Badge, Button, Group, Select, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ProblemAlert } from '../../../components/ProblemAlert';
import { countdown, formatDay } from '../../../lib/dates';
import { useIncidentAction } from '../actions';
import { fetchObligations, incidentKey, type Obligation, type StepProps, type TimelineEntry } from '../model';
import { StepFrame } from './Facts';
import { IncidentNotices } from './Notices';
import { UsMap, type Owed } from './UsMap';

const KIND: Record<string, string> = {
  'individual-notice': 'Notice to individuals',
  'substitute-notice': 'Substitute notice',
  'telephone-notice': 'Urgent telephone notice',
  'media-notice': 'Notice to media',
  'hhs-notice': 'Report to HHS',
  'covered-entity-notice': 'Notice to the covered entity',
  'state-individual-notice': 'State: notice to residents',
  'state-regulator-notice': 'State: notice to regulator',
  'state-consumer-reporting-notice': 'State: consumer reporting agencies',
  'state-credit-monitoring-offer': 'State: credit monitoring offer',
  'state-letter-content': 'State: letter content',
};
const STATUS_COLOR: Record<string, string> = {
  open: 'blue.8',
  'in-progress': 'blue.8',
  completed: 'teal.9',
  waived: 'gray.8',
  withdrawn: 'gray.8',
};
const RANK: Record<Owed, number> = { media: 3, regulator: 2, 'residents-clock': 1, residents: 0 };

/** Residents per state from the latest list import or count revision on the ledger. */
export function residentsByState(timeline: TimelineEntry[]): Record<string, number> {
  for (let i = timeline.length - 1; i >= 0; i--) {
    const e = timeline[i]!;
    if (e.type === 'AffectedListImported' || e.type === 'AffectedCountsRevised')
      return (e.data as { counts: { byState: Record<string, number> } }).counts.byState;
  }
  return {};
}

export function owedByState(obligations: Obligation[]): Record<string, Owed> {
  const out: Record<string, Owed> = {};
  for (const o of obligations) {
    if (!o.jurisdiction || o.status === 'withdrawn') continue;
    const owed: Owed | null =
      o.kind === 'media-notice'
        ? 'media'
        : o.kind === 'state-regulator-notice'
          ? 'regulator'
          : o.kind === 'state-individual-notice'
            ? 'residents-clock'
            : null;
    if (owed && (!out[o.jurisdiction] || RANK[owed] > RANK[out[o.jurisdiction]!])) out[o.jurisdiction] = owed;
  }
  return out;
}

/** The triage decision (compliance officers) and what it owes: every obligation, its citation and due date, and the map. */
export function TriageStep({ incident, timeline, role, onDone }: StepProps) {
  const decided = timeline.some((e) => e.type === 'TriageDecided');
  const obligations = useQuery({
    queryKey: [...incidentKey(incident.id), 'obligations'],
    queryFn: () => fetchObligations(incident.id),
    enabled: decided,
  });
  const [policy, setPolicy] = useState<string | null>('toll');
  const decide = useIncidentAction<{ lawEnforcementPolicy?: string }>(incident, 'triage');
  const list = obligations.data?.obligations ?? [];
  return (
    <StepFrame
      wide
      title="Triage"
      intro="The rules engine decides from the facts on the ledger: breach or not, and every notice owed with its citation and due date (federal, then each state's law for its residents). Any later change of facts re-runs it."
    >
      {role === 'compliance-officer' ? (
        <Group align="flex-end" mb="lg">
          <Select
            label="Law-enforcement delay"
            description="How a hold moves the deadlines"
            value={policy}
            onChange={setPolicy}
            allowDeselect={false}
            data={[
              { value: 'toll', label: 'Toll the clock during a hold (164.412)' },
              { value: 'strict', label: 'Strict: deadlines do not move' },
            ]}
            w={340}
          />
          <Button onClick={() => decide.mutate({ ...(policy ? { lawEnforcementPolicy: policy } : {}) })} loading={decide.isPending}>
            {decided ? 'Decide triage again' : 'Decide triage'}
          </Button>
        </Group>
      ) : (
        !decided && (
          <Alert color="gray.8" variant="light" mb="md">
            A compliance officer decides triage once the steps before are recorded.
          </Alert>
        )
      )}
      <ProblemAlert error={decide.error ?? obligations.error} />
      {decided && (
        <>
          <Text mb="md" data-testid="triage-outcome">
            {incident.breach === true
              ? `Breach of unsecured PHI (${incident.basis ?? 'presumed'}): ${list.length} obligations.`
              : incident.breach === false
                ? `Not a breach (${incident.basis ?? ''}). The evidence is kept.`
                : 'Decided.'}
          </Text>
          {list.length > 0 && (
            <Table striped aria-label="Obligations" mb="lg">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Obligation</Table.Th>
                  <Table.Th scope="col">Where</Table.Th>
                  <Table.Th scope="col">People</Table.Th>
                  <Table.Th scope="col">Citation</Table.Th>
                  <Table.Th scope="col" miw={130}>
                    Due
                  </Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((o) => (
                  <Table.Tr key={o.obligationId} data-obligation={o.obligationId}>
                    <Table.Td>
                      {KIND[o.kind] ?? o.kind}
                      {o.condition && (
                        <Text size="xs" c="gray.8">
                          {o.condition}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {o.jurisdiction ?? (o.scope === 'federal' ? 'Federal' : '—')}
                      {o.regulator ? ` · ${o.regulator}` : ''}
                    </Table.Td>
                    <Table.Td>{o.people === null ? '—' : o.people.toLocaleString('en-US')}</Table.Td>
                    <Table.Td>
                      <Text size="sm">{o.citation}</Text>
                    </Table.Td>
                    <Table.Td>
                      {o.dueOn ? formatDay(o.dueOn) : (o.timing ?? '—')}
                      {o.daysLeft !== null && o.status !== 'completed' && o.status !== 'waived' && (
                        <Text size="xs" c={o.overdue ? 'red.9' : 'gray.8'}>
                          {countdown(o.daysLeft)}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Badge color={STATUS_COLOR[o.status] ?? 'gray.8'} variant="filled" style={{ overflow: 'visible' }}>
                        {o.status}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <Title order={3} size="h5" mb="xs">
            Residents by state
          </Title>
          <UsMap residents={residentsByState(timeline)} owed={owedByState(list)} />
          <IncidentNotices incident={incident} role={role} />
          <Button variant="default" mt="lg" onClick={onDone}>
            See the timeline
          </Button>
        </>
      )}
    </StepFrame>
  );
}
