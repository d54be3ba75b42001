import { Anchor, Badge, Group, Stepper, Text } from '@mantine/core';
import { useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { Link, useParams } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDay } from '../../lib/dates';
import { sessionQuery, type Role } from '../../session/session';
import { PageTitle } from '../../shell/Shell';
import { fetchIncident, fetchTimeline, incidentKey, STATUS_LABEL, type StepProps } from './model';
import { AffectedStep } from './steps/Affected';
import { ExceptionStep, FactsStep, SafeguardsStep } from './steps/Facts';
import { RiskStep } from './steps/Risk';
import { TimelineStep } from './steps/Timeline';
import { TriageStep } from './steps/Triage';

const STEPS: Array<{ label: string; done: (types: Set<string>) => boolean }> = [
  { label: 'Facts', done: (t) => t.has('IncidentReported') },
  { label: 'Affected', done: (t) => t.has('AffectedListImported') || t.has('AffectedCountsRevised') },
  { label: 'Exception', done: (t) => t.has('ExceptionAssessed') },
  { label: 'Safeguards', done: (t) => t.has('SafeguardsRecorded') },
  { label: 'Risk assessment', done: (t) => t.has('RiskAssessmentRecorded') },
  { label: 'Triage', done: (t) => t.has('TriageDecided') },
  { label: 'Timeline', done: () => false },
];

/** One incident, its steps in order: facts → affected → exception → safeguards → risk → triage → timeline. */
export function IncidentPage() {
  const { id } = useParams({ from: '/app/incidents/$id' });
  const { data: session } = useSuspenseQuery(sessionQuery);
  const role = (session.principal?.role ?? 'auditor') as Role;
  const incident = useQuery({ queryKey: incidentKey(id), queryFn: () => fetchIncident(id) });
  const timeline = useQuery({ queryKey: [...incidentKey(id), 'timeline'], queryFn: () => fetchTimeline(id) });
  const types = new Set((timeline.data ?? []).map((e) => e.type));
  const firstOpen = STEPS.findIndex((s) => !s.done(types));
  const [chosen, setStep] = useState<number | null>(null);
  // Open on the first step not yet recorded, once; afterwards the step moves only when asked.
  const step = chosen ?? (timeline.data ? Math.max(0, firstOpen) : 0);
  useEffect(() => {
    if (chosen === null && timeline.data) setStep(Math.max(0, firstOpen));
  }, [chosen, timeline.data, firstOpen]);
  if (incident.error || timeline.error) return <ProblemAlert error={incident.error ?? timeline.error} />;
  if (!incident.data || !timeline.data) return <Text>Loading the incident…</Text>;
  const inc = incident.data;
  const props: StepProps = { incident: inc, timeline: timeline.data, role, onDone: () => setStep(Math.min(step + 1, STEPS.length - 1)) };
  const status = STATUS_LABEL[inc.status];
  return (
    <>
      <Text size="sm" mb={4}>
        <Anchor component={Link} to="/incidents">
          Incidents
        </Anchor>{' '}
        / {inc.title}
      </Text>
      <PageTitle
        description={`Discovered ${formatDay(inc.discoveredOn)} · reported by ${inc.reporter.kind === 'business-associate' ? 'a business associate' : 'our organization'}`}
      >
        {inc.title}
      </PageTitle>
      <Group mb="lg" gap="xs">
        <Badge
          color={status?.color ?? 'gray.8'}
          variant="filled"
          c={inc.status === 'notifying' ? 'dark' : undefined}
          data-testid="incident-status"
        >
          {status?.label ?? inc.status}
        </Badge>
        {inc.totalAffected !== null && (
          <Badge variant="outline" color="gray.8">
            {inc.totalAffected.toLocaleString('en-US')} affected
          </Badge>
        )}
        {inc.ruleVersion && (
          <Badge variant="outline" color="gray.8">
            rules {inc.ruleVersion}
          </Badge>
        )}
        {['auditor', 'compliance-officer', 'security-officer'].includes(role) && (
          <Anchor href={`/v1/evidence/incidents/${inc.id}`} download size="sm" ml="md">
            Export evidence (ZIP)
          </Anchor>
        )}
      </Group>
      <Stepper active={step} onStepClick={setStep} size="xs" iconSize={28} wrap={false} mb="xl" allowNextStepsSelect aria-label="Steps">
        {STEPS.map((s) => (
          <Stepper.Step key={s.label} label={s.label} completedIcon={undefined} color={s.done(types) ? 'teal.9' : undefined} />
        ))}
      </Stepper>
      <section aria-labelledby="step-title">
        {step === 0 && <FactsStep {...props} />}
        {step === 1 && <AffectedStep {...props} />}
        {step === 2 && <ExceptionStep {...props} />}
        {step === 3 && <SafeguardsStep {...props} />}
        {step === 4 && <RiskStep {...props} />}
        {step === 5 && <TriageStep {...props} />}
        {step === 6 && <TimelineStep {...props} />}
      </section>
    </>
  );
}
