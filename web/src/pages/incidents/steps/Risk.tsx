import { Alert, Button, Checkbox, Paper, Radio, Group, Stack, Text, Textarea, Title } from '@mantine/core';
import { useState } from 'react';
import { fieldError, ProblemAlert } from '../../../components/ProblemAlert';
import { useIncidentAction } from '../actions';
import { latest, RESPONDERS, type StepProps } from '../model';
import { StepFrame } from './Facts';

type Level = 'low' | 'medium' | 'high';
const FACTORS: Array<{ key: string; title: string; cite: string; guidance: string[] }> = [
  {
    key: 'natureAndExtent',
    title: '1. Nature and extent of the information',
    cite: '164.402(2)(i)',
    guidance: [
      'Which identifiers and how sensitive: SSNs, financial data and diagnoses weigh more than a name alone.',
      'How likely the information can be re-identified; how many people and how much history.',
    ],
  },
  {
    key: 'unauthorizedRecipient',
    title: '2. Who received or used it',
    cite: '164.402(2)(ii)',
    guidance: [
      'Another covered entity or a person bound by HIPAA lowers the risk; an unknown thief raises it.',
      'Could the recipient re-identify the people it concerns?',
    ],
  },
  {
    key: 'acquiredOrViewed',
    title: '3. Whether it was actually acquired or viewed',
    cite: '164.402(2)(iii)',
    guidance: ['Forensics showing a file was never opened lowers the risk; a download or an open mailbox raises it.'],
  },
  {
    key: 'mitigation',
    title: '4. How far the risk has been mitigated',
    cite: '164.402(2)(iv)',
    guidance: ['Signed assurances of destruction from the recipient, a remote wipe, a recovered device.'],
  },
];

/**
 * The four-factor assessment of 164.402(2). Each factor needs a risk level and a rationale; only a
 * complete assessment concluding low probability of compromise rebuts the presumption of breach.
 */
export function RiskStep({ incident, timeline, role, onDone }: StepProps) {
  const prior = latest<{ factors: Record<string, { risk: Level; rationale: string }>; lowProbabilityOfCompromise: boolean }>(
    timeline,
    'RiskAssessmentRecorded',
  );
  const [answers, setAnswers] = useState<Record<string, { risk: Level | ''; rationale: string }>>(() =>
    Object.fromEntries(
      FACTORS.map((f) => [f.key, { risk: prior?.factors[f.key]?.risk ?? '', rationale: prior?.factors[f.key]?.rationale ?? '' }]),
    ),
  );
  const [low, setLow] = useState(prior?.lowProbabilityOfCompromise ?? false);
  const save = useIncidentAction<Record<string, unknown>>(incident, 'risk-assessment');
  const canWrite = RESPONDERS.includes(role);
  const anyHigh = Object.values(answers).some((a) => a.risk === 'high');
  const fields = FACTORS.flatMap((f) => [`factors.${f.key}.risk`, `factors.${f.key}.rationale`]);
  return (
    <StepFrame
      title="Risk assessment"
      intro="An impermissible use or disclosure is presumed a breach unless this assessment shows a low probability that the information has been compromised (45 CFR 164.402(2)). Answer every factor and say why."
    >
      <ProblemAlert error={save.error} fields={[...fields, 'lowProbabilityOfCompromise']} />
      <form
        aria-label="Risk assessment"
        onSubmit={(e) => {
          e.preventDefault();
          const factors = Object.fromEntries(
            Object.entries(answers)
              .filter(([, a]) => a.risk !== '' || a.rationale.trim() !== '')
              .map(([k, a]) => [k, { risk: a.risk, rationale: a.rationale }]),
          );
          save.mutate({ factors, lowProbabilityOfCompromise: low }, { onSuccess: onDone });
        }}
      >
        <Stack gap="md">
          {FACTORS.map((f) => {
            const a = answers[f.key]!;
            const set = (v: Partial<typeof a>) => setAnswers({ ...answers, [f.key]: { ...a, ...v } });
            return (
              <Paper key={f.key} withBorder p="md" radius="sm" component="fieldset" aria-labelledby={`${f.key}-title`}>
                <Title order={3} size="h5" id={`${f.key}-title`}>
                  {f.title}{' '}
                  <Text span size="xs" c="gray.8">
                    ({f.cite})
                  </Text>
                </Title>
                <Stack gap={2} my="xs">
                  {f.guidance.map((g) => (
                    <Text key={g} size="sm" c="gray.8">
                      {g}
                    </Text>
                  ))}
                </Stack>
                <Radio.Group
                  label="Risk"
                  required
                  value={a.risk}
                  onChange={(v) => set({ risk: v as Level })}
                  error={fieldError(save.error, `factors.${f.key}.risk`)}
                >
                  <Group mt={4}>
                    <Radio value="low" label="Low" disabled={!canWrite} />
                    <Radio value="medium" label="Medium" disabled={!canWrite} />
                    <Radio value="high" label="High" disabled={!canWrite} />
                  </Group>
                </Radio.Group>
                <Textarea
                  mt="sm"
                  label="Rationale"
                  required
                  autosize
                  minRows={2}
                  value={a.rationale}
                  onChange={(e) => set({ rationale: e.currentTarget.value })}
                  error={fieldError(save.error, `factors.${f.key}.rationale`)}
                  readOnly={!canWrite}
                />
              </Paper>
            );
          })}
        </Stack>
        <Checkbox
          mt="lg"
          label="Conclusion: there is a low probability that the information has been compromised"
          checked={low}
          onChange={(e) => setLow(e.currentTarget.checked)}
          disabled={!canWrite}
        />
        {low && anyHigh && (
          <Alert color="yellow.4" variant="filled" c="dark" mt="sm">
            A factor is rated high: a low-probability conclusion will need a strong rationale.
          </Alert>
        )}
        {canWrite && (
          <Button type="submit" mt="lg" loading={save.isPending}>
            Record risk assessment
          </Button>
        )}
      </form>
    </StepFrame>
  );
}
