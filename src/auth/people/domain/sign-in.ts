import type { DomainEvent } from '../../../ledger/ledger';
import type { Role } from '../../domain/roles';

/**
 * Sign-in events. A session's public reference names its stream (`session-<ref>`); the cookie's
 * secret never appears in the ledger. Failed attempts each get a `signin-<uuid>` stream.
 */
export type SignInMethod = 'passkey' | 'oidc' | 'invitation';
export type SignOutReason = 'user' | 'idle' | 'expired' | 'disabled';

export type SignInEvent =
  | DomainEvent<
      'SignedIn',
      { sessionRef: string; principalId: string; role: Role; method: SignInMethod; credentialId?: string; counter?: number }
    >
  | DomainEvent<'SignedOut', { sessionRef: string; principalId: string; reason: SignOutReason }>
  | DomainEvent<'SignInFailed', { method: SignInMethod; reason: string; principalId?: string }>
  | DomainEvent<'OidcIdentityLinked', { principalId: string; issuer: string; subjectHash: string }>;

export const SIGN_IN_EVENT_TYPES = ['SignedIn', 'SignedOut', 'SignInFailed', 'OidcIdentityLinked', 'PrincipalRoleChanged'] as const;
