import type Database from 'better-sqlite3';
import type { TodayProvider } from '../../console';

/** Today's pending invitations for admins, from the people read model. */
export function peopleTodayProviders(db: Database.Database): TodayProvider[] {
  return [
    {
      section: 'invitations',
      roles: ['admin'],
      collect({ now }) {
        return (
          db
            .prepare(
              `SELECT id, name, role, expires_at, issued_at FROM people_invitations WHERE status = 'pending' AND purpose = 'invite' ORDER BY issued_at`,
            )
            .all() as Array<Record<string, string>>
        ).map((i) => ({
          kind: 'invitation',
          id: i.id!,
          title: `${i.name} (${i.role})`,
          href: '/admin/invitations',
          since: i.issued_at!,
          detail: i.expires_at! <= now.toISOString() ? 'expired: revoke it and invite again' : `not yet accepted; expires ${i.expires_at}`,
        }));
      },
    },
  ];
}
