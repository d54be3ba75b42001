import {
  Alert,
  Button,
  Checkbox,
  Group,
  MultiSelect,
  Paper,
  Radio,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
} from '@mantine/core';
import { useState, type FormEvent, type ReactNode } from 'react';
import { fieldError, ProblemAlert } from '../../../components/ProblemAlert';
import { formatDay } from '../../../lib/dates';
import { useIncidentAction } from '../actions';
import { BREACH_TYPES, DATA_ELEMENTS, label, latest, LOCATIONS, RESPONDERS, type StepProps } from '../model';

export function StepFrame({ title, intro, children, wide }: { title: string; intro: ReactNode; children: ReactNode; wide?: boolean }) {
  return (
    <Paper withBorder p="lg" radius="md" maw={wide ? undefined : 960}>
      <Title order={2} size="h3" id="step-title">
        {title}
      </Title>
      <Text size="sm" c="gray.8" mt={4} mb="md">
        {intro}
      </Text>
      {children}
    </Paper>
  );
}

function ReadOnly({ role }: { role: string }) {
  return (
    <Alert color="gray.8" variant="light" mt="md">
      As {role} you can read this step; a responder or compliance officer records it.
    </Alert>
  );
}

export function FactsStep({ incident, timeline, role, onDone }: StepProps) {
  const reported = latest<{ occurred?: { from: string; to?: string }; dataElements?: string[] }>(timeline, 'IncidentReported');
  const revised = latest<{ occurred?: { from: string; to?: string }; dataElements?: string[]; imminentMisuse?: boolean }>(
    timeline,
    'IncidentFactsRevised',
  );
  const occurred = revised?.occurred ?? reported?.occurred;
  const [f, setF] = useState({
    from: occurred?.from ?? '',
    to: occurred?.to ?? '',
    breachType: incident.breachType,
    locations: incident.locations,
    dataElements: revised?.dataElements ?? reported?.dataElements ?? [],
    imminentMisuse: revised?.imminentMisuse ?? false,
  });
  const save = useIncidentAction<Record<string, unknown>>(incident, 'facts');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(
      {
        ...(f.from ? { occurred: { from: f.from, ...(f.to ? { to: f.to } : {}) } } : {}),
        ...(f.breachType ? { breachType: f.breachType } : {}),
        ...(f.locations.length ? { locations: f.locations } : {}),
        ...(f.dataElements.length ? { dataElements: f.dataElements } : {}),
        imminentMisuse: f.imminentMisuse,
      },
      { onSuccess: onDone },
    );
  };
  const canWrite = RESPONDERS.includes(role);
  return (
    <StepFrame
      title="Facts"
      intro={`What happened, as known now. The discovery date (${formatDay(incident.discoveredOn)}) never moves: it starts every clock. Revising facts after triage re-runs triage.`}
    >
      <Text mb="md">{incident.summary}</Text>
      <ProblemAlert error={save.error} fields={['occurred.from', 'occurred.to', 'breachType', 'locations', 'dataElements']} />
      <form onSubmit={submit} aria-label="Facts">
        <SimpleGrid cols={2}>
          <TextInput
            type="date"
            label="Occurred from"
            value={f.from}
            onChange={(e) => setF({ ...f, from: e.currentTarget.value })}
            error={fieldError(save.error, 'occurred.from')}
            readOnly={!canWrite}
          />
          <TextInput
            type="date"
            label="Occurred to"
            value={f.to}
            onChange={(e) => setF({ ...f, to: e.currentTarget.value })}
            error={fieldError(save.error, 'occurred.to')}
            readOnly={!canWrite}
          />
        </SimpleGrid>
        <Select
          mt="md"
          label="Type of breach"
          value={f.breachType}
          onChange={(v) => setF({ ...f, breachType: v })}
          data={BREACH_TYPES.map(([value, l]) => ({ value, label: l }))}
          error={fieldError(save.error, 'breachType')}
          readOnly={!canWrite}
        />
        <MultiSelect
          mt="md"
          label="Where the information was"
          value={f.locations}
          onChange={(v) => setF({ ...f, locations: v })}
          data={LOCATIONS.map(([value, l]) => ({ value, label: l }))}
          error={fieldError(save.error, 'locations')}
          readOnly={!canWrite}
        />
        <MultiSelect
          mt="md"
          label="Kinds of information involved"
          value={f.dataElements}
          onChange={(v) => setF({ ...f, dataElements: v })}
          data={DATA_ELEMENTS.map(([value, l]) => ({ value, label: l }))}
          error={fieldError(save.error, 'dataElements')}
          readOnly={!canWrite}
        />
        <Checkbox
          mt="md"
          label="Misuse of the information is imminent (urgent telephone notice, 164.404(d)(3))"
          checked={f.imminentMisuse}
          onChange={(e) => setF({ ...f, imminentMisuse: e.currentTarget.checked })}
          disabled={!canWrite}
        />
        {canWrite ? (
          <Group mt="lg">
            <Button type="submit" loading={save.isPending}>
              Save facts
            </Button>
            <Button variant="default" onClick={onDone}>
              Next step
            </Button>
          </Group>
        ) : (
          <ReadOnly role={role} />
        )}
      </form>
    </StepFrame>
  );
}

const EXCEPTIONS: Array<[string, string, string]> = [
  ['none', 'No exception applies', 'The default: an impermissible use or disclosure is presumed a breach (164.402).'],
  [
    'unintentional-workforce',
    'Unintentional access by a workforce member',
    'In good faith, within the scope of authority, and not further used or disclosed (164.402(1)(i)).',
  ],
  [
    'inadvertent-authorized',
    'Inadvertent disclosure between authorized persons',
    'Between people authorized at the same covered entity, business associate or arrangement, and not further used or disclosed (164.402(1)(ii)).',
  ],
  [
    'unable-to-retain',
    'Recipient could not have retained it',
    'A good-faith belief that the unauthorized recipient could not reasonably have retained the information (164.402(1)(iii)).',
  ],
];

export function ExceptionStep({ incident, timeline, role, onDone }: StepProps) {
  const prior = latest<{ exception: string | null; rationale: string }>(timeline, 'ExceptionAssessed');
  const [kind, setKind] = useState(prior ? (prior.exception ?? 'none') : 'none');
  const [rationale, setRationale] = useState(prior?.rationale ?? '');
  const save = useIncidentAction<{ exception: string | null; rationale: string }>(incident, 'exception-assessment');
  const canWrite = RESPONDERS.includes(role);
  return (
    <StepFrame
      title="Exception"
      intro="Does one of the three statutory exceptions take this incident out of the definition of breach? Record the answer and why; it is kept as evidence for six years."
    >
      <ProblemAlert error={save.error} fields={['exception', 'rationale']} />
      <form
        aria-label="Exception"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ exception: kind === 'none' ? null : kind, rationale }, { onSuccess: onDone });
        }}
      >
        <Radio.Group label="Exception" value={kind} onChange={setKind} error={fieldError(save.error, 'exception')}>
          <Stack mt="xs" gap="sm">
            {EXCEPTIONS.map(([value, l, why]) => (
              <Radio key={value} value={value} label={l} description={why} disabled={!canWrite} />
            ))}
          </Stack>
        </Radio.Group>
        <Textarea
          mt="md"
          label="Rationale"
          required
          autosize
          minRows={3}
          value={rationale}
          onChange={(e) => setRationale(e.currentTarget.value)}
          error={fieldError(save.error, 'rationale')}
          readOnly={!canWrite}
        />
        {canWrite ? (
          <Button type="submit" mt="lg" loading={save.isPending}>
            Record exception assessment
          </Button>
        ) : (
          <ReadOnly role={role} />
        )}
      </form>
    </StepFrame>
  );
}

const ENCRYPTION: Array<[string, string]> = [
  ['none', 'Not encrypted'],
  ['nist-800-111', 'At rest, NIST SP 800-111'],
  ['nist-800-52', 'In transit, NIST SP 800-52 (TLS)'],
  ['nist-800-77', 'In transit, NIST SP 800-77 (IPsec)'],
  ['nist-800-113', 'In transit, NIST SP 800-113 (SSL VPN)'],
];

export function SafeguardsStep({ incident, timeline, role, onDone }: StepProps) {
  const prior = latest<{
    encryption: string | null;
    keyCompromised: boolean;
    keyLocation?: string;
    destruction: string | null;
    source: string;
    note?: string;
  }>(timeline, 'SafeguardsRecorded');
  const [f, setF] = useState({
    encryption: prior?.encryption ?? 'none',
    keyCompromised: prior?.keyCompromised ?? false,
    keyLocation: prior?.keyLocation ?? 'separate',
    destruction: prior?.destruction ?? 'none',
    note: prior?.note ?? '',
  });
  const save = useIncidentAction<Record<string, unknown>>(incident, 'safeguards');
  const canWrite = RESPONDERS.includes(role) || role === 'security-officer';
  return (
    <StepFrame
      title="Safeguards"
      intro="Information encrypted to HHS guidance (key not compromised) or destroyed is secured: losing it is not a breach of unsecured PHI (Guidance to Render Unsecured PHI Unusable, 74 FR 42740)."
    >
      {prior?.source === 'datasets-ledger' && (
        <Alert color="blue.8" variant="light" mb="md">
          Answered from the datasets and keys ledger for the datasets this incident names: {label(ENCRYPTION, prior.encryption ?? 'none')}
          {prior.keyCompromised ? ', key compromised' : ''}.
        </Alert>
      )}
      <ProblemAlert error={save.error} fields={['encryption', 'keyCompromised', 'keyLocation', 'destruction', 'note']} />
      <form
        aria-label="Safeguards"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(
            {
              encryption: f.encryption === 'none' ? null : f.encryption,
              keyCompromised: f.keyCompromised,
              ...(f.encryption === 'none' ? {} : { keyLocation: f.keyLocation }),
              destruction: f.destruction === 'none' ? null : f.destruction,
              ...(f.note.trim() ? { note: f.note } : {}),
            },
            { onSuccess: onDone },
          );
        }}
      >
        <SimpleGrid cols={2}>
          <Select
            label="Encryption"
            value={f.encryption}
            onChange={(v) => setF({ ...f, encryption: v ?? 'none' })}
            data={ENCRYPTION.map(([value, l]) => ({ value, label: l }))}
            allowDeselect={false}
            error={fieldError(save.error, 'encryption')}
            readOnly={!canWrite}
          />
          <Select
            label="Destruction"
            value={f.destruction}
            onChange={(v) => setF({ ...f, destruction: v ?? 'none' })}
            data={[
              { value: 'none', label: 'Not destroyed' },
              { value: 'shredded', label: 'Paper shredded or destroyed' },
              { value: 'nist-800-88', label: 'Media cleared or purged, NIST SP 800-88' },
            ]}
            allowDeselect={false}
            readOnly={!canWrite}
          />
        </SimpleGrid>
        {f.encryption !== 'none' && (
          <SimpleGrid cols={2} mt="md">
            <Select
              label="Where the key was kept"
              value={f.keyLocation}
              onChange={(v) => setF({ ...f, keyLocation: v ?? 'unknown' })}
              data={[
                { value: 'separate', label: 'Separately from the data' },
                { value: 'with-data', label: 'With the data' },
                { value: 'unknown', label: 'Unknown' },
              ]}
              allowDeselect={false}
              readOnly={!canWrite}
            />
            <Checkbox
              mt="xl"
              label="The key was compromised"
              checked={f.keyCompromised}
              onChange={(e) => setF({ ...f, keyCompromised: e.currentTarget.checked })}
              disabled={!canWrite}
            />
          </SimpleGrid>
        )}
        <Textarea
          mt="md"
          label="Note"
          autosize
          minRows={2}
          value={f.note}
          onChange={(e) => setF({ ...f, note: e.currentTarget.value })}
          error={fieldError(save.error, 'note')}
          readOnly={!canWrite}
        />
        {canWrite ? (
          <Button type="submit" mt="lg" loading={save.isPending}>
            Record safeguards
          </Button>
        ) : (
          <ReadOnly role={role} />
        )}
      </form>
    </StepFrame>
  );
}
