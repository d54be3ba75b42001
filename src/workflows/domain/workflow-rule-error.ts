/** A workflow command refused by a rule (mapped to 422): `field` names what is wrong. */
export class WorkflowRuleError extends Error {
  readonly code = 'WORKFLOW_RULE';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'WorkflowRuleError';
  }
}
