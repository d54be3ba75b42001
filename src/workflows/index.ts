/** Public surface of the workflows engine (see docs/workflows.md). */
export * from './domain/duration';
export * from './domain/definition';
export * from './domain/timers';
export * from './domain/timeline';
export * from './domain/message';
export * from './domain/timeline-decider';
export * from './domain/definition-decider';
export * from './domain/workflow-rule-error';
export * from './loader';
export * from './registry';
export * from './ports';
export * from './definitions-ledger';
export * from './notifier/file-outbox';
export * from './runtime/workflow-engine';
export * from './cli/workflows.command';
export * from './tokens';
export { openTimelines } from './projections/timelines.projection';
