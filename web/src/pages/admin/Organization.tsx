import { Button, Fieldset, Group, Paper, Select, SimpleGrid, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { EmptyState } from '../../components/EmptyState';
import { fieldError, ProblemAlert } from '../../components/ProblemAlert';
import { formatInstant } from '../../lib/dates';
import { sessionQuery } from '../../session/session';
import { PageTitle } from '../../shell/Shell';
import { CONTACT_ROLE_LABELS } from '../../shell/nav';
import { ROLE_CONTACTS_QUERY } from '../../shell/RoleContactsBanner';

type Address = { line1: string; line2?: string; city: string; state: string; zip: string };
interface Profile {
  name: string;
  entityType: 'health-plan' | 'health-care-clearinghouse' | 'health-care-provider' | 'business-associate';
  letterhead: { lines: string[] };
  returnAddress: Address;
  contact: {
    tollFreeNumber: string;
    hours: string;
    email: string;
    website: string;
    postalAddress: Address;
    contactPerson: { name: string; title: string; phone: string; email: string };
  };
  signatory: { name: string; title: string };
  mailFrom: string;
  publicBaseUrl: string;
  timeZone: string;
}
const ROLES = ['compliance-officer', 'privacy-officer', 'security-officer', 'executive', 'incident-responder', 'auditor', 'admin'] as const;
const EMPTY_ADDRESS: Address = { line1: '', line2: '', city: '', state: '', zip: '' };
const EMPTY: Profile = {
  name: '',
  entityType: 'health-care-provider',
  letterhead: { lines: [] },
  returnAddress: EMPTY_ADDRESS,
  contact: {
    tollFreeNumber: '',
    hours: 'Monday through Friday, 8 a.m. to 8 p.m.',
    email: '',
    website: '',
    postalAddress: EMPTY_ADDRESS,
    contactPerson: { name: '', title: '', phone: '', email: '' },
  },
  signatory: { name: '', title: '' },
  mailFrom: '',
  publicBaseUrl: '',
  timeZone: 'America/New_York',
};

/** Sets a value at a dotted path of a copy of the object. */
function setAt<T>(obj: T, path: string, value: unknown): T {
  const copy = structuredClone(obj) as Record<string, unknown>;
  const keys = path.split('.');
  let o = copy;
  for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[keys.at(-1)!] = value;
  return copy as T;
}
function getAt(obj: unknown, path: string): string {
  return String(path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj) ?? '');
}
/** Empty optional line 2 is left out (the API takes it as absent). */
function clean(p: Profile): Profile {
  const addr = (a: Address): Address => (a.line2 ? a : { line1: a.line1, city: a.city, state: a.state, zip: a.zip });
  return { ...p, returnAddress: addr(p.returnAddress), contact: { ...p.contact, postalAddress: addr(p.contact.postalAddress) } };
}

/** The API's field errors this form shows beside an input (every profile leaf and role mailbox is one). */
function shownBeside(error: unknown): string[] {
  if (!(error instanceof ApiProblem)) return [];
  return error.errors.map((e) => e.field).filter((f) => /^(profile\.(?!contact$|returnAddress$|signatory$)|roleContacts\.)/.test(f));
}

/**
 * The organization profile: what every letter, media notice and the HHS report say about the
 * covered entity, and the mailbox of each role. Kept as events in the ledger; admins edit it,
 * officers and auditors read it and its history.
 */
export function OrganizationPage() {
  const { data: session } = useSuspenseQuery(sessionQuery);
  const tz = session.organization.timeZone;
  const canEdit = session.principal?.role === 'admin';
  const queryClient = useQueryClient();
  const current = useQuery({
    queryKey: ['organization-profile'],
    queryFn: async () => unwrap(await api.GET('/v1/organization/profile')),
  });
  const [form, setForm] = useState<Profile>(EMPTY);
  const [letterhead, setLetterhead] = useState('');
  const [contacts, setContacts] = useState<Record<string, string>>({});
  useEffect(() => {
    const d = current.data;
    if (!d) return;
    if (d.profile) {
      setForm(structuredClone({ ...EMPTY, ...(d.profile as unknown as Profile) }));
      setLetterhead((d.profile.letterhead?.lines ?? []).join('\n'));
    }
    setContacts({ ...d.roleContacts });
  }, [current.data]);

  const save = useMutation({
    mutationFn: async () => {
      const profile = clean({
        ...form,
        letterhead: {
          lines: letterhead
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean),
        },
      });
      const roleContacts = Object.fromEntries(Object.entries(contacts).filter(([, v]) => v.trim() !== ''));
      return unwrap(await api.PUT('/v1/organization/profile', { body: { profile, roleContacts } as never }));
    },
    onSuccess: (d) => {
      queryClient.setQueryData(['organization-profile'], d);
      // The header's name and the missing-contacts banner follow the profile at once.
      void queryClient.invalidateQueries({ queryKey: ROLE_CONTACTS_QUERY });
      void queryClient.invalidateQueries({ queryKey: sessionQuery.queryKey });
    },
  });
  const err = (path: string) => fieldError(save.error, `profile.${path}`);
  const field = (path: string, label: string, props: Record<string, unknown> = {}) => (
    <TextInput
      label={label}
      value={getAt(form, path)}
      onChange={(e) => setForm(setAt(form, path, e.currentTarget.value))}
      error={err(path)}
      readOnly={!canEdit}
      {...props}
    />
  );
  const address = (path: string) => (
    <SimpleGrid cols={{ base: 1, sm: 2 }}>
      {field(`${path}.line1`, 'Address line 1')}
      {field(`${path}.line2`, 'Address line 2')}
      {field(`${path}.city`, 'City')}
      <Group grow>
        {field(`${path}.state`, 'State', { description: 'Two letters, e.g. OH' })}
        {field(`${path}.zip`, 'ZIP code', { description: '5 digits or ZIP+4' })}
      </Group>
    </SimpleGrid>
  );
  const d = current.data;

  return (
    <>
      <PageTitle description="What every letter, media notice and the HHS report say about the organization, and where each role's reminders go. Each saved change is an event in the ledger, with who made it and which fields changed.">
        Organization profile
      </PageTitle>
      <ProblemAlert error={current.error} />
      {d && d.source !== 'ledger' && (
        <Paper withBorder p="md" radius="md" mb="md" data-testid="profile-source">
          <Text size="sm">
            {d.source === 'environment'
              ? 'This profile comes from the file NOTICES_ORGANIZATION_FILE names. Saving it here records it in the ledger, which then takes its place.'
              : 'No profile yet: notices cannot be drafted until the organization is described here.'}
          </Text>
        </Paper>
      )}
      <form onSubmit={(e) => (e.preventDefault(), save.mutate())}>
        <ProblemAlert error={save.error} fields={shownBeside(save.error)} />
        <Fieldset legend="Organization" mb="md">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {field('name', 'Name')}
            <Select
              label="Type of entity"
              value={form.entityType}
              readOnly={!canEdit}
              allowDeselect={false}
              onChange={(v) => v && setForm(setAt(form, 'entityType', v))}
              error={err('entityType')}
              data={[
                { value: 'health-care-provider', label: 'Health care provider' },
                { value: 'health-plan', label: 'Health plan' },
                { value: 'health-care-clearinghouse', label: 'Health care clearinghouse' },
                { value: 'business-associate', label: 'Business associate' },
              ]}
            />
          </SimpleGrid>
          <Textarea
            mt="sm"
            label="Letterhead lines"
            description="Printed under the name at the top of every letter, one per line"
            autosize
            minRows={2}
            value={letterhead}
            readOnly={!canEdit}
            onChange={(e) => setLetterhead(e.currentTarget.value)}
            error={fieldError(save.error, 'profile.letterhead.lines')}
          />
        </Fieldset>
        <Fieldset legend="How people reach you (printed in every notice)" mb="md">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {field('contact.tollFreeNumber', 'Toll-free number', { description: 'Active at least 90 days, e.g. 1-888-555-0142' })}
            {field('contact.hours', 'Hours')}
            {field('contact.email', 'Email')}
            {field('contact.website', 'Web site')}
          </SimpleGrid>
          <Text size="sm" fw={500} mt="sm">
            Postal address
          </Text>
          {address('contact.postalAddress')}
        </Fieldset>
        <Fieldset legend="Return address (printed above the recipient in the window)" mb="md">
          {address('returnAddress')}
        </Fieldset>
        <Fieldset legend="Signatory and HHS contact" mb="md">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {field('signatory.name', 'Signatory name')}
            {field('signatory.title', 'Signatory title')}
            {field('contact.contactPerson.name', 'HHS contact name')}
            {field('contact.contactPerson.title', 'HHS contact title')}
            {field('contact.contactPerson.phone', 'HHS contact phone')}
            {field('contact.contactPerson.email', 'HHS contact email')}
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend="Sending" mb="md">
          <SimpleGrid cols={{ base: 1, sm: 3 }}>
            {field('mailFrom', 'Email notices from')}
            {field('publicBaseUrl', 'Public address of substitute notices')}
            {field('timeZone', 'Time zone', { description: 'IANA name, e.g. America/Chicago' })}
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend="Role contacts (reminders and escalations)" mb="md">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {ROLES.map((r) => (
              <TextInput
                key={r}
                label={`${CONTACT_ROLE_LABELS[r]} mailbox`}
                value={contacts[r] ?? ''}
                readOnly={!canEdit}
                onChange={(e) => setContacts({ ...contacts, [r]: e.currentTarget.value })}
                error={fieldError(save.error, `roleContacts.${r}`)}
              />
            ))}
          </SimpleGrid>
        </Fieldset>
        {canEdit && (
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save profile
            </Button>
            {save.isSuccess && (
              <Text size="sm" role="status" data-testid="saved">
                Saved as version {save.data.history.length}.
              </Text>
            )}
          </Group>
        )}
      </form>

      <Title order={2} size="h3" mt="xl" mb="sm">
        History
      </Title>
      {d && d.history.length === 0 && (
        <EmptyState title="No change recorded yet">
          {canEdit ? 'Fill in the profile above and save it: it becomes the first event.' : 'An administrator records the profile here.'}
        </EmptyState>
      )}
      {d && d.history.length > 0 && (
        <Table aria-label="Profile history">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Version</Table.Th>
              <Table.Th scope="col">When</Table.Th>
              <Table.Th scope="col">By</Table.Th>
              <Table.Th scope="col">Fields changed</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {[...d.history].reverse().map((h) => (
              <Table.Tr key={h.version}>
                <Table.Td>{h.version}</Table.Td>
                <Table.Td>{formatInstant(h.at, tz)}</Table.Td>
                <Table.Td>{h.by === session.principal?.id ? 'you' : h.by}</Table.Td>
                <Table.Td>{h.changed.join(', ')}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}
