export const WORKFLOW_REGISTRY = Symbol('WorkflowRegistry');
export const WORKFLOW_ENGINE = Symbol('WorkflowEngine');
