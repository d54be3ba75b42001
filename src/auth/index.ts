/** Public surface of auth for other contexts: route decorators and the role vocabulary (from src/shared). */
export * from './http/decorators';
export type { Principal, Role } from '../shared/roles';
