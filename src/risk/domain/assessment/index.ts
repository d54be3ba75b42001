/** The risk assessment aggregate: events, state, commands and the decider. */
export * from './events';
export * from './state';
export * from './commands';
export * from './decider';
export { RiskRuleError } from '../risk-rule-error';
