import { Alert, Anchor, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { api, PASSIVE_HEADER, unwrap } from '../api/client';
import type { Role } from '../session/session';
import { CONTACT_ROLE_LABELS } from './nav';

/** Roles told about missing contacts (they can act on it, or ask the admin who can). */
const SHOWN_TO: readonly Role[] = ['admin', 'compliance-officer', 'security-officer'];
export const ROLE_CONTACTS_QUERY = ['organization-role-contacts'] as const;

/**
 * Operators told, not surprised: the roles whose reminders, escalations and alerts would go to a
 * placeholder address, with the way to the Organization page. Gone once the profile names them.
 * Dark text on a light background (axe colour contrast; a light alert's own title colour fails).
 */
export function RoleContactsBanner({ role }: { role: Role }) {
  const shown = SHOWN_TO.includes(role);
  const q = useQuery({
    queryKey: ROLE_CONTACTS_QUERY,
    enabled: shown,
    refetchInterval: 60_000,
    queryFn: async () => unwrap(await api.GET('/v1/organization/role-contacts', { headers: { [PASSIVE_HEADER]: '1' } })),
  });
  if (!shown || !q.data || q.data.missing.length === 0) return null;
  const names = q.data.missing.map((r) => CONTACT_ROLE_LABELS[r] ?? r);
  return (
    <Alert
      variant="outline"
      color="red.9"
      mb="lg"
      role="alert"
      data-testid="role-contacts-banner"
      title={
        <Text span fw={700} c="black">
          No contact for {names.join(', ')}
        </Text>
      }
    >
      <Text size="sm" c="black">
        Reminders, escalations and alerts for {names.length === 1 ? 'this role' : 'these roles'} go to placeholder addresses that reach
        nobody.{' '}
        <Anchor component={Link} to="/admin/organization" c="blue.9" fw={700} underline="always">
          {role === 'admin' ? 'Set the role contacts on the Organization page' : 'See the Organization page'}
        </Anchor>
        {role === 'admin' ? '.' : ' and ask an administrator to set them.'}
      </Text>
    </Alert>
  );
}
