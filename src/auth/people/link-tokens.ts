import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PhiVault } from '../../phi';

/**
 * Invitation and sign-in links carry `<invitationId>.<mac>`: an HMAC-SHA-256 of the id under a
 * data key kept in the vault (scope `console:links`). Nothing secret goes into the ledger, and
 * the mail processor can rebuild the link from the event. Shredding the scope voids every link.
 */
export class LinkTokens {
  constructor(private readonly vault: PhiVault) {}

  private mac(invitationId: string): string {
    return createHmac('sha256', this.vault.dataKey('console:links', true)).update(`invitation:${invitationId}`).digest('base64url');
  }

  tokenFor(invitationId: string): string {
    return `${invitationId}.${this.mac(invitationId)}`;
  }

  /** The invitation id a token names, or null when the token is malformed or forged. */
  verify(token: string): string | null {
    const m = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return null;
    const expected = Buffer.from(this.mac(m[1]!));
    const given = Buffer.from(m[2]!);
    return expected.length === given.length && timingSafeEqual(expected, given) ? m[1]! : null;
  }
}
