/**
 * The composition root: it assembles the platform and every bounded context into a process
 * (HTTP app, worker, scheduler, CLI context). It sits above the contexts; nothing below imports it.
 */
export { createAppContext, createHttpApp, openApiDocument, type AppOptions } from './create-app';
export { runRoles, runRolesUntilSignalled, type RunningRole } from './run-role';
