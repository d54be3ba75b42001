import type Database from 'better-sqlite3';
import type { Projection } from '../../ledger/projections/projection';
import type { RecordedEvent } from '../../ledger/port';

/** Read model for people: invitations, passkeys (public keys and counters), OIDC links, last sign-in. */
export const peopleProjection: Projection = {
  name: 'people',
  version: 1,
  handles: [
    'InvitationIssued',
    'InvitationSent',
    'InvitationAccepted',
    'InvitationRevoked',
    'PasskeyRegistered',
    'PasskeyRemoved',
    'SignedIn',
    'OidcIdentityLinked',
  ],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS people_invitations (
        id TEXT PRIMARY KEY, principal_id TEXT NOT NULL, name TEXT NOT NULL, email TEXT, role TEXT NOT NULL, purpose TEXT NOT NULL,
        status TEXT NOT NULL, expires_at TEXT NOT NULL, issued_at TEXT NOT NULL, issued_by TEXT NOT NULL, sent_at TEXT, accepted_at TEXT);
      CREATE INDEX IF NOT EXISTS people_invitations_issued ON people_invitations (issued_at);
      CREATE TABLE IF NOT EXISTS people_passkeys (
        credential_id TEXT PRIMARY KEY, principal_id TEXT NOT NULL, public_key TEXT NOT NULL, counter INTEGER NOT NULL,
        transports TEXT NOT NULL, backed_up INTEGER NOT NULL, registered_at TEXT NOT NULL, last_used_at TEXT, removed INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX IF NOT EXISTS people_passkeys_principal ON people_passkeys (principal_id);
      CREATE TABLE IF NOT EXISTS people_oidc_links (subject_hash TEXT PRIMARY KEY, issuer TEXT NOT NULL, principal_id TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS people_last_sign_in (principal_id TEXT PRIMARY KEY, at TEXT NOT NULL, method TEXT NOT NULL);`);
  },
  reset(db) {
    db.exec('DELETE FROM people_invitations; DELETE FROM people_passkeys; DELETE FROM people_oidc_links; DELETE FROM people_last_sign_in;');
  },
  apply(db: Database.Database, e: RecordedEvent) {
    const d = e.data as Record<string, any>;
    const at = e.metadata.occurredAt;
    switch (e.type) {
      case 'InvitationIssued':
        db.prepare(
          `INSERT OR REPLACE INTO people_invitations (id, principal_id, name, email, role, purpose, status, expires_at, issued_at, issued_by)
           VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)`,
        ).run(d.invitationId, d.principalId, d.name, d.email ?? null, d.role, d.purpose, d.expiresAt, at, e.metadata.actor.id);
        break;
      case 'InvitationSent':
        db.prepare('UPDATE people_invitations SET sent_at = ? WHERE id = ?').run(at, d.invitationId);
        break;
      case 'InvitationAccepted':
        db.prepare(`UPDATE people_invitations SET status = 'accepted', accepted_at = ? WHERE id = ?`).run(at, d.invitationId);
        break;
      case 'InvitationRevoked':
        db.prepare(`UPDATE people_invitations SET status = 'revoked' WHERE id = ?`).run(d.invitationId);
        break;
      case 'PasskeyRegistered':
        db.prepare(
          `INSERT OR REPLACE INTO people_passkeys (credential_id, principal_id, public_key, counter, transports, backed_up, registered_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(d.credentialId, d.principalId, d.publicKey, d.counter, JSON.stringify(d.transports ?? []), d.backedUp ? 1 : 0, at);
        break;
      case 'PasskeyRemoved':
        db.prepare('UPDATE people_passkeys SET removed = 1 WHERE credential_id = ?').run(d.credentialId);
        break;
      case 'SignedIn':
        db.prepare('INSERT OR REPLACE INTO people_last_sign_in (principal_id, at, method) VALUES (?, ?, ?)').run(
          d.principalId,
          at,
          d.method,
        );
        if (d.credentialId)
          db.prepare('UPDATE people_passkeys SET counter = MAX(counter, ?), last_used_at = ? WHERE credential_id = ?').run(
            d.counter ?? 0,
            at,
            d.credentialId,
          );
        break;
      case 'OidcIdentityLinked':
        db.prepare('INSERT OR REPLACE INTO people_oidc_links (subject_hash, issuer, principal_id) VALUES (?, ?, ?)').run(
          d.subjectHash,
          d.issuer,
          d.principalId,
        );
        break;
    }
  },
};
