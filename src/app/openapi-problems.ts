/** The problem+json (RFC 9457) answers of the OpenAPI document, shared by every operation. */

const problem = (status: number, title: string, description: string, example: Record<string, unknown>) => ({
  description,
  content: {
    'application/problem+json': {
      schema: { $ref: '#/components/schemas/Problem' },
      example: { title, status, ...example },
    },
  },
});

const NAMES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'PayloadTooLarge',
  422: 'UnprocessableContent',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

export const PROBLEM_RESPONSE_REFS: Record<number, string> = Object.fromEntries(
  Object.entries(NAMES).map(([s, n]) => [Number(s), `#/components/responses/${n}`]),
);

export const PROBLEM_COMPONENTS = {
  schemas: {
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details. Never carries PHI: fields are named, values are not echoed.',
      required: ['type', 'title', 'status'],
      properties: {
        type: { type: 'string', description: 'urn:safeharbor:problem:<code>' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        instance: { type: 'string' },
        errors: {
          type: 'array',
          description: 'validation failures, one per field (400)',
          items: {
            type: 'object',
            required: ['field', 'reason'],
            properties: { field: { type: 'string' }, reason: { type: 'string' } },
          },
        },
      },
      additionalProperties: true,
    },
  },
  parameters: {
    IdempotencyKey: {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'the same key with the same body replays the stored response; with a different body it is refused (422)',
      schema: { type: 'string', minLength: 1, maxLength: 200 },
    },
  },
  responses: {
    [NAMES[400]!]: problem(400, 'Bad Request', 'malformed input: `errors` names each failing field', {
      type: 'urn:safeharbor:problem:validation-failed',
      errors: [{ field: 'discoveredOn', reason: 'not a calendar date' }],
    }),
    [NAMES[401]!]: problem(401, 'Unauthorized', 'no valid API key or session', { type: 'urn:safeharbor:problem:unauthorized' }),
    [NAMES[403]!]: problem(403, 'Forbidden', 'the caller’s role may not do this', { type: 'urn:safeharbor:problem:forbidden' }),
    [NAMES[404]!]: problem(404, 'Not Found', 'no such resource', { type: 'urn:safeharbor:problem:not-found' }),
    [NAMES[409]!]: problem(409, 'Conflict', 'the resource changed since it was read (If-Match), or a conflicting request', {
      type: 'urn:safeharbor:problem:version-conflict',
    }),
    [NAMES[413]!]: problem(413, 'Payload Too Large', 'the body is over the size limit', {
      type: 'urn:safeharbor:problem:payload-too-large',
    }),
    [NAMES[422]!]: problem(422, 'Unprocessable Content', 'well-formed but refused by a business rule (named in `type`)', {
      type: 'urn:safeharbor:problem:rule-violation',
    }),
    [NAMES[429]!]: problem(429, 'Too Many Requests', 'rate limited: retry after the Retry-After header', {
      type: 'urn:safeharbor:problem:too-many-requests',
    }),
    [NAMES[503]!]: problem(503, 'Service Unavailable', 'the ledger refuses writes after detected tampering', {
      type: 'urn:safeharbor:problem:ledger-integrity',
    }),
  },
};
