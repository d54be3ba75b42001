import { z } from 'zod';
import { ROLES } from '../../domain/roles';

/** Response shapes of the people and session routes, documented in OpenAPI for the console's typed client. */
const Role = z.enum(ROLES);

export const SessionViewSchema = z.object({
  signedIn: z.boolean(),
  principal: z.object({ id: z.string(), name: z.string(), role: Role }).nullable(),
  csrfToken: z.string().nullable(),
  idleSecondsLeft: z.number().nullable(),
  idleTimeoutSeconds: z.number(),
  ended: z.string().nullable(),
  organization: z.object({ name: z.string(), timeZone: z.string() }),
  sso: z.object({ enabled: z.boolean(), label: z.string().nullable() }),
});

export const SignedInSchema = z.object({ signedIn: z.boolean() });
export const ActivitySchema = z.object({ idleSecondsLeft: z.number() });

export const InvitationLookupSchema = z.object({
  name: z.string(),
  email: z.string().nullable(),
  role: Role,
  purpose: z.enum(['invite', 'bootstrap']),
  expiresAt: z.string(),
});

export const InvitationSchema = z.object({
  id: z.string(),
  principalId: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  role: Role,
  purpose: z.enum(['invite', 'bootstrap']),
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
  expiresAt: z.string(),
  issuedAt: z.string(),
  issuedBy: z.string(),
  sentAt: z.string().nullable(),
  acceptedAt: z.string().nullable(),
});
export const InvitationListSchema = z.object({ items: z.array(InvitationSchema) });

export const PersonSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  disabled: z.boolean(),
  createdAt: z.string(),
  passkeys: z.number(),
  sso: z.boolean(),
  apiKey: z.boolean(),
  lastSignInAt: z.string().nullable(),
  lastSignInMethod: z.string().nullable(),
});
export const PeopleListSchema = z.object({ items: z.array(PersonSchema) });
export const PrincipalSchema = z.object({ id: z.string(), name: z.string(), role: Role, disabled: z.boolean() });

export const RoleListSchema = z.object({
  items: z.array(
    z.object({
      role: Role,
      title: z.string(),
      summary: z.string(),
      readsPhi: z.boolean(),
      mayApprove: z.array(z.string()),
      person: z.boolean(),
    }),
  ),
});
