/** Public surface of the access context (grants, recertification campaigns). Nothing here loads Nest. */
export * from './messages';
export { GRANT_EVENT_TYPES, grantStream, type GrantStatus, type Permission, type PrincipalKind } from './domain/grant';
export { CAMPAIGN_EVENT_TYPES } from './domain/recertification';
