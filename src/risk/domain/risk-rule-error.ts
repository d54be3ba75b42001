/** A rule of the risk context was broken (HTTP 422 naming the field when the message starts with it). */
export class RiskRuleError extends Error {
  readonly code = 'RISK_RULE';
  constructor(message: string) {
    super(message);
    this.name = 'RiskRuleError';
  }
}
