import { Button, Checkbox, Group, MultiSelect, Paper, Radio, Select, SimpleGrid, Stepper, Text, TextInput, Textarea } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { fieldError, ProblemAlert } from '../../components/ProblemAlert';
import { PageTitle } from '../../shell/Shell';
import { BREACH_TYPES, DATA_ELEMENTS, LOCATIONS, type Incident } from './model';

const STEP_FIELDS: string[][] = [
  ['title', 'summary', 'discoveredOn', 'discovery.basis'],
  ['occurred.from', 'occurred.to', 'breachType', 'locations', 'dataElements'],
  ['reporter.kind', 'reporter.actsAsAgent'],
];

/**
 * "Report an incident" as three short steps: what happened and when it was discovered (the one
 * date that starts every clock), what is known of it, and who reports it. Only the first step is
 * required; the facts can be revised on the incident's page later.
 */
export function ReportIncidentPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [step, setStep] = useState(0);
  const [f, setF] = useState({
    title: '',
    summary: '',
    discoveredOn: '',
    basis: 'actual-knowledge',
    from: '',
    to: '',
    breachType: null as string | null,
    locations: [] as string[],
    dataElements: [] as string[],
    reporter: 'covered-entity',
    actsAsAgent: false,
  });
  const set = <K extends keyof typeof f>(k: K, v: (typeof f)[K]) => setF((s) => ({ ...s, [k]: v }));
  const report = useMutation({
    mutationFn: async () => {
      const body = {
        title: f.title,
        summary: f.summary,
        discoveredOn: f.discoveredOn,
        discovery: { basis: f.basis as 'actual-knowledge' | 'reasonable-diligence' },
        reporter: { kind: f.reporter as 'covered-entity', ...(f.reporter === 'business-associate' ? { actsAsAgent: f.actsAsAgent } : {}) },
        ...(f.from ? { occurred: { from: f.from, ...(f.to ? { to: f.to } : {}) } } : {}),
        ...(f.breachType ? { breachType: f.breachType } : {}),
        ...(f.locations.length ? { locations: f.locations } : {}),
        ...(f.dataElements.length ? { dataElements: f.dataElements } : {}),
      };
      return unwrap(await api.POST('/v1/incidents', { body: body as never })) as unknown as Incident;
    },
    onSuccess: async (incident) => {
      await queryClient.invalidateQueries({ queryKey: ['incidents'] });
      await navigate({ to: '/incidents/$id', params: { id: incident.id } });
    },
    onError: (e) => {
      // Go back to the first step whose field the API named.
      if (!(e instanceof ApiProblem)) return;
      const i = STEP_FIELDS.findIndex((fields) => fields.some((n) => e.field(n)));
      if (i >= 0) setStep(i);
    },
  });
  const err = (n: string) => fieldError(report.error, n);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (step < 2) setStep(step + 1);
    else report.mutate();
  };
  return (
    <>
      <PageTitle description="Report what is known now. The discovery date starts the 60-day clock of 45 CFR 164.404(b); everything else can be revised later.">
        Report an incident
      </PageTitle>
      <ProblemAlert error={report.error} fields={STEP_FIELDS.flat()} />
      <Paper withBorder p="lg" radius="md" component="form" onSubmit={submit} aria-label="Report an incident" maw={860}>
        <Stepper active={step} onStepClick={setStep} mb="lg" size="sm">
          <Stepper.Step label="What happened" description="and when it was discovered" />
          <Stepper.Step label="What is known" description="optional" />
          <Stepper.Step label="Who reports" description="and review" />
        </Stepper>
        {step === 0 && (
          <>
            <TextInput
              label="Title"
              description="A short name without patient details, e.g. 'Laptop stolen from clinic car'"
              required
              value={f.title}
              onChange={(e) => set('title', e.currentTarget.value)}
              error={err('title')}
              data-autofocus
            />
            <Textarea
              mt="md"
              label="What happened"
              description="Facts only; no names or record numbers of patients."
              required
              autosize
              minRows={3}
              value={f.summary}
              onChange={(e) => set('summary', e.currentTarget.value)}
              error={err('summary')}
            />
            <SimpleGrid cols={2} mt="md">
              <TextInput
                type="date"
                label="Discovered on"
                description="The first day anyone in the workforce knew, or would have known with reasonable diligence"
                required
                value={f.discoveredOn}
                onChange={(e) => set('discoveredOn', e.currentTarget.value)}
                error={err('discoveredOn')}
              />
              <Radio.Group label="How the date is known" value={f.basis} onChange={(v) => set('basis', v)} error={err('discovery.basis')}>
                <Group mt="xs">
                  <Radio value="actual-knowledge" label="Actually known" />
                  <Radio value="reasonable-diligence" label="Would have been known" />
                </Group>
              </Radio.Group>
            </SimpleGrid>
          </>
        )}
        {step === 1 && (
          <>
            <SimpleGrid cols={2}>
              <TextInput
                type="date"
                label="Occurred from"
                value={f.from}
                onChange={(e) => set('from', e.currentTarget.value)}
                error={err('occurred.from')}
              />
              <TextInput
                type="date"
                label="Occurred to"
                value={f.to}
                onChange={(e) => set('to', e.currentTarget.value)}
                error={err('occurred.to')}
              />
            </SimpleGrid>
            <Select
              mt="md"
              label="Type of breach"
              clearable
              value={f.breachType}
              onChange={(v) => set('breachType', v)}
              data={BREACH_TYPES.map(([value, label]) => ({ value, label }))}
              error={err('breachType')}
            />
            <MultiSelect
              mt="md"
              label="Where the information was"
              value={f.locations}
              onChange={(v) => set('locations', v)}
              data={LOCATIONS.map(([value, label]) => ({ value, label }))}
              error={err('locations')}
            />
            <MultiSelect
              mt="md"
              label="Kinds of information involved"
              description="State laws apply by these (e.g. SSN, medical, financial account)"
              value={f.dataElements}
              onChange={(v) => set('dataElements', v)}
              data={DATA_ELEMENTS.map(([value, label]) => ({ value, label }))}
              error={err('dataElements')}
            />
          </>
        )}
        {step === 2 && (
          <>
            <Radio.Group label="Reported by" value={f.reporter} onChange={(v) => set('reporter', v)} error={err('reporter.kind')}>
              <Group mt="xs">
                <Radio value="covered-entity" label="Our organization (covered entity)" />
                <Radio value="business-associate" label="A business associate" />
              </Group>
            </Radio.Group>
            {f.reporter === 'business-associate' && (
              <Checkbox
                mt="md"
                label="The business associate acts as our agent (its discovery is ours, 164.404(a)(2))"
                checked={f.actsAsAgent}
                onChange={(e) => set('actsAsAgent', e.currentTarget.checked)}
              />
            )}
            <Text mt="lg" size="sm" c="gray.8">
              Reporting records an IncidentReported event in the ledger under your name. Triage comes after the facts, the affected
              individuals and the risk assessment.
            </Text>
          </>
        )}
        <Group mt="xl" justify="space-between">
          <Button variant="default" disabled={step === 0} onClick={() => setStep(step - 1)}>
            Back
          </Button>
          <Button type="submit" loading={report.isPending}>
            {step < 2 ? 'Next' : 'Report incident'}
          </Button>
        </Group>
      </Paper>
    </>
  );
}
