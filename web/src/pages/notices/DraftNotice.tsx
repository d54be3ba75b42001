import { Alert, Button, Group, List, MultiSelect, Select, Paper, SimpleGrid, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useEffect, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { fieldError, ProblemAlert } from '../../components/ProblemAlert';
import { PageTitle } from '../../shell/Shell';
import { BREACH_TYPES, incidentKey, LOCATIONS } from '../incidents/model';
import type { NoticeBatch } from './model';

const SAFEGUARDS: Array<[string, string]> = [
  ['none', 'None'],
  ['privacy-security-training', 'Privacy and security training'],
  ['security-incident-procedures', 'Security incident procedures'],
  ['risk-analysis', 'Risk analysis'],
  ['encrypted-wireless', 'Encrypted wireless'],
  ['physical-security', 'Physical security'],
  ['firewalls', 'Firewalls'],
  ['strong-authentication', 'Strong authentication'],
  ['encrypted-transmission', 'Encrypted transmission'],
  ['anti-virus', 'Anti-virus'],
  ['logical-access-control', 'Logical access control'],
  ['other', 'Other'],
];
const CATEGORIES: Array<[string, string]> = [
  ['demographic', 'Demographic'],
  ['financial', 'Financial'],
  ['clinical', 'Clinical'],
  ['other', 'Other'],
];
export const KIND_TITLE: Record<string, string> = {
  individual: 'Draft the notice to individuals',
  'substitute-posting': 'Draft the substitute notice (web posting)',
  media: 'Draft a media notice',
  'hhs-report': 'Draft the report to HHS',
};
const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** What the service drafts from the incident's facts (GET /v1/notices/draft-facts/:incidentId). */
interface DraftFacts {
  facts: {
    whatHappened?: string;
    discoveredOn?: string;
    breachStartedOn?: string;
    breachEndedOn?: string;
    breachType?: string;
    locations?: string[];
    phiInvolved: string[];
    phiCategories: string[];
    stepsForIndividuals: string[];
    mitigation: string;
    /** The same facts drafted in each language with its own templates (e.g. es). */
    translations?: Record<string, Record<string, string | string[]>>;
  };
  review: string[];
  wording: { version: number };
}

async function fetchDraftFacts(incidentId: string): Promise<DraftFacts> {
  const r = await api.GET('/v1/notices/draft-facts/{incidentId}', { params: { path: { incidentId } } });
  return unwrap(r) as unknown as DraftFacts;
}

/**
 * Drafts the letter to individuals from the incident: every element 164.404(c) requires, drafted
 * by the service from the facts (what happened from the breach type and place, never the internal
 * summary; the types of information from the incident, its list's columns and its datasets; the
 * steps from those types; the mitigation from the containment carried out), all editable and
 * reviewed by the officer. The recipients are the incident's current affected list.
 */
export function DraftNoticePage() {
  const { incident: incidentId, kind = 'individual' } = useSearch({ from: '/app/notices/new' });
  const [extra, setExtra] = useState<Record<string, string>>({ reportType: 'initial' });
  const navigate = useNavigate();
  const drafted = useQuery({ queryKey: [...incidentKey(incidentId), 'notice-draft'], queryFn: () => fetchDraftFacts(incidentId) });
  const [f, setF] = useState<Record<string, string>>({});
  const [cats, setCats] = useState<string[]>(['demographic']);
  const [safeguards, setSafeguards] = useState<string[]>([]);
  const [breachType, setBreachType] = useState<string | null>(null);
  const [locations, setLocations] = useState<string[]>([]);
  useEffect(() => {
    if (!drafted.data || f.whatHappened !== undefined) return;
    const d = drafted.data.facts;
    setF({
      whatHappened: d.whatHappened ?? '',
      breachStartedOn: d.breachStartedOn ?? '',
      breachEndedOn: d.breachEndedOn ?? '',
      discoveredOn: d.discoveredOn ?? '',
      phiInvolved: d.phiInvolved.join('\n'),
      stepsForIndividuals: d.stepsForIndividuals.join('\n'),
      investigation: '',
      mitigation: d.mitigation,
      prevention: '',
      actionsTaken: '',
      letterDate: new Date().toISOString().slice(0, 10),
    });
    setBreachType(d.breachType ?? null);
    setLocations(d.locations ?? []);
    setCats(d.phiCategories.length ? d.phiCategories : ['demographic']);
  }, [drafted.data, f.whatHappened]);
  const set = (k: string) => (e: { currentTarget: { value: string } }) => setF({ ...f, [k]: e.currentTarget.value });
  const draft = useMutation({
    mutationFn: async () => {
      const facts = {
        whatHappened: f.whatHappened,
        discoveredOn: f.discoveredOn,
        ...(f.breachStartedOn ? { breachStartedOn: f.breachStartedOn } : {}),
        ...(f.breachEndedOn ? { breachEndedOn: f.breachEndedOn } : {}),
        phiInvolved: lines(f.phiInvolved ?? ''),
        phiCategories: cats,
        stepsForIndividuals: lines(f.stepsForIndividuals ?? ''),
        investigation: f.investigation,
        mitigation: f.mitigation,
        prevention: f.prevention,
        safeguardsBefore: safeguards,
        actionsTaken: lines(f.actionsTaken ?? ''),
        ...(breachType ? { breachType } : {}),
        ...(locations.length ? { locations } : {}),
      };
      // Letters in other languages keep the drafted translation of every field left as drafted;
      // a field the officer rewrote prints as written until it is translated (the preview says which).
      const d = drafted.data?.facts;
      const asDrafted: Record<string, boolean> = {
        whatHappened: f.whatHappened === (d?.whatHappened ?? ''),
        phiInvolved: lines(f.phiInvolved ?? '').join('\n') === (d?.phiInvolved ?? []).join('\n'),
        stepsForIndividuals: lines(f.stepsForIndividuals ?? '').join('\n') === (d?.stepsForIndividuals ?? []).join('\n'),
        mitigation: f.mitigation === (d?.mitigation ?? ''),
      };
      const translations = Object.fromEntries(
        Object.entries(d?.translations ?? {}).map(([lang, tr]) => [
          lang,
          Object.fromEntries(Object.entries(tr).filter(([k]) => asDrafted[k])),
        ]),
      );
      const options =
        kind === 'media'
          ? { jurisdiction: (extra.jurisdiction ?? '').toUpperCase() }
          : kind === 'hhs-report'
            ? {
                hhs: {
                  reportType: extra.reportType,
                  individualNoticeStartDate: extra.individualNoticeStartDate ?? '',
                  individualNoticeProjectedEndDate: extra.individualNoticeProjectedEndDate ?? '',
                  ...(extra.originalTransactionNumber ? { originalTransactionNumber: extra.originalTransactionNumber } : {}),
                },
              }
            : undefined;
      const body = {
        incidentId,
        fromIncident: true,
        kind,
        letterDate: f.letterDate ?? '',
        facts: { ...facts, ...(Object.keys(translations).length ? { translations } : {}) },
        ...(options ? { options } : {}),
      };
      return unwrap(await api.POST('/v1/notices/batches', { body: body as never })) as unknown as NoticeBatch;
    },
    onSuccess: (b) => navigate({ to: '/notices/$id', params: { id: b.batchId } as never }),
  });
  const err = (n: string) =>
    fieldError(draft.error, n) ?? fieldError(draft.error, `incident.${n}`) ?? fieldError(draft.error, `facts.${n}`);
  if (drafted.error) return <ProblemAlert error={drafted.error} />;
  if (!f.whatHappened && f.whatHappened !== '') return <Text>Loading the incident…</Text>;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    draft.mutate();
  };
  return (
    <>
      <PageTitle description="Every element 45 CFR 164.404(c) requires. What the incident already says is filled in; read it as the recipient will and edit freely. One item per line in lists.">
        {KIND_TITLE[kind] ?? KIND_TITLE.individual!}
      </PageTitle>
      <ProblemAlert
        error={draft.error}
        fields={[
          'whatHappened',
          'phiInvolved',
          'stepsForIndividuals',
          'investigation',
          'mitigation',
          'prevention',
          'actionsTaken',
          'letterDate',
        ]}
      />
      {drafted.data && drafted.data.review.length > 0 && (
        <Alert color="yellow.4" variant="filled" c="dark" title="Check before approval" mb="md" maw={960}>
          <List size="sm">
            {drafted.data.review.map((r) => (
              <List.Item key={r}>{r}</List.Item>
            ))}
          </List>
        </Alert>
      )}
      <Paper withBorder p="lg" radius="md" component="form" onSubmit={submit} aria-label="Draft notice" maw={960}>
        <Stack gap="md">
          <Title order={2} size="h4">
            (A) What happened
          </Title>
          <Textarea
            label="What happened, in plain language"
            required
            autosize
            minRows={3}
            value={f.whatHappened}
            onChange={set('whatHappened')}
            error={err('whatHappened')}
          />
          <SimpleGrid cols={3}>
            <TextInput
              type="date"
              label="Breach started"
              value={f.breachStartedOn}
              onChange={set('breachStartedOn')}
              error={err('breachStartedOn')}
            />
            <TextInput
              type="date"
              label="Breach ended"
              value={f.breachEndedOn}
              onChange={set('breachEndedOn')}
              error={err('breachEndedOn')}
            />
            <TextInput
              type="date"
              label="Discovered"
              required
              value={f.discoveredOn}
              onChange={set('discoveredOn')}
              error={err('discoveredOn')}
              readOnly
            />
          </SimpleGrid>
          <SimpleGrid cols={2}>
            <Select
              label="Type of breach (HHS report)"
              required
              value={breachType}
              onChange={setBreachType}
              data={BREACH_TYPES.map(([value, label]) => ({ value, label }))}
              error={err('breachType')}
            />
            <MultiSelect
              label="Where the information was (HHS report)"
              required
              value={locations}
              onChange={setLocations}
              data={LOCATIONS.map(([value, label]) => ({ value, label }))}
              error={err('locations')}
            />
          </SimpleGrid>
          <Title order={2} size="h4">
            (B) What information was involved
          </Title>
          <Textarea
            label="Types of information, as the reader should read them"
            required
            autosize
            minRows={2}
            value={f.phiInvolved}
            onChange={set('phiInvolved')}
            error={err('phiInvolved')}
          />
          <MultiSelect
            label="Categories (HHS report)"
            value={cats}
            onChange={setCats}
            data={CATEGORIES.map(([value, label]) => ({ value, label }))}
          />
          <Title order={2} size="h4">
            (C) What you can do
          </Title>
          <Textarea
            label="Steps individuals should take"
            required
            autosize
            minRows={2}
            value={f.stepsForIndividuals}
            onChange={set('stepsForIndividuals')}
            error={err('stepsForIndividuals')}
          />
          <Title order={2} size="h4">
            (D) What we are doing
          </Title>
          <Textarea
            label="Investigation"
            required
            autosize
            value={f.investigation}
            onChange={set('investigation')}
            error={err('investigation')}
          />
          <Textarea
            label="Mitigation of harm"
            required
            autosize
            value={f.mitigation}
            onChange={set('mitigation')}
            error={err('mitigation')}
          />
          <Textarea
            label="Protection against further breaches"
            required
            autosize
            value={f.prevention}
            onChange={set('prevention')}
            error={err('prevention')}
          />
          <Textarea
            label="Actions taken (one per line)"
            required
            autosize
            value={f.actionsTaken}
            onChange={set('actionsTaken')}
            error={err('actionsTaken')}
          />
          <MultiSelect
            label="Safeguards in place before the breach (HHS report)"
            required
            value={safeguards}
            onChange={setSafeguards}
            data={SAFEGUARDS.map(([value, label]) => ({ value, label }))}
            error={err('safeguardsBefore')}
          />
          <Title order={2} size="h4">
            (E) Contact procedures
          </Title>
          <Text size="sm">
            The toll-free number, email, web site and postal address come from the organization profile and are printed on every letter.
          </Text>
          <TextInput
            type="date"
            label="Letter date"
            required
            value={f.letterDate}
            onChange={set('letterDate')}
            error={err('letterDate')}
            w={220}
          />
          <KindFields kind={kind} extra={extra} setExtra={setExtra} error={draft.error} />
        </Stack>
        <Group mt="xl">
          <Button type="submit" loading={draft.isPending}>
            Save draft
          </Button>
        </Group>
      </Paper>
    </>
  );
}

/** What a notice of another kind needs beyond the facts: the state of a media notice, the HHS report's own fields. */
function KindFields(props: { kind: string; extra: Record<string, string>; setExtra: (e: Record<string, string>) => void; error: unknown }) {
  const { kind, extra, setExtra, error } = props;
  const on = (k: string) => (e: { currentTarget: { value: string } }) => setExtra({ ...extra, [k]: e.currentTarget.value });
  if (kind === 'media')
    return (
      <TextInput
        label="State of the media notice"
        description="Two letters, e.g. OH: the notice goes to prominent media outlets serving it (more than 500 residents, 164.406); its residents are counted from the affected list"
        value={extra.jurisdiction ?? ''}
        onChange={on('jurisdiction')}
        error={fieldError(error, 'options.jurisdiction')}
        w={420}
      />
    );
  if (kind === 'hhs-report')
    return (
      <>
        <Title order={2} size="h4">
          Report to the Secretary (164.408)
        </Title>
        <Text size="sm">
          The number affected and whether substitute and media notices were given come from the incident; the rest of the portal&apos;s
          fields come from the facts above and the organization profile.
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label="Report type"
            allowDeselect={false}
            value={extra.reportType ?? 'initial'}
            onChange={(v) => setExtra({ ...extra, reportType: v ?? 'initial' })}
            data={[
              { value: 'initial', label: 'Initial breach report' },
              { value: 'addendum', label: 'Addendum to a previous report' },
            ]}
          />
          <TextInput
            label="Transaction number of the initial report"
            description="For an addendum only"
            value={extra.originalTransactionNumber ?? ''}
            onChange={on('originalTransactionNumber')}
            error={fieldError(error, 'options.hhs.originalTransactionNumber')}
          />
          <TextInput
            type="date"
            label="Individual notice start date"
            value={extra.individualNoticeStartDate ?? ''}
            onChange={on('individualNoticeStartDate')}
            error={fieldError(error, 'options.hhs.individualNoticeStartDate')}
          />
          <TextInput
            type="date"
            label="Individual notice projected end date"
            value={extra.individualNoticeProjectedEndDate ?? ''}
            onChange={on('individualNoticeProjectedEndDate')}
            error={fieldError(error, 'options.hhs.individualNoticeProjectedEndDate')}
          />
        </SimpleGrid>
      </>
    );
  return null;
}
