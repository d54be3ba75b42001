// Roles are shared vocabulary (src/shared/roles.ts); this path stays for existing imports inside auth.
export * from '../../shared/roles';
