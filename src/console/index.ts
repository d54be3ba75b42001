/**
 * Public surface of the console for other contexts: the Today registry each context adds its
 * sections to (from its own module's onModuleInit, reading its own read model), the countdown,
 * and a provider for review timelines kept by the workflows engine. Nothing here loads Nest.
 */
export { TODAY_REGISTRY, TodayRegistry } from './today/today';
export type { ActionItem, DueItem, TodayContext, TodayItem, TodayProvider, TodaySectionKey } from './today/today';
export { daysUntil, dueStatus, hoursSince, type DueStatus } from './domain/countdown';
export { reviewTimelinesProvider } from './today/review-timelines';
