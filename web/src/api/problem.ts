/** An RFC 9457 problem from the API, with the fields it names (problem+json `errors`). */
export interface FieldIssue {
  field: string;
  reason: string;
}

export class ApiProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: FieldIssue[];
  readonly body: Record<string, unknown>;

  constructor(status: number, body: unknown) {
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const detail = typeof b.detail === 'string' ? b.detail : undefined;
    super(detail ?? (typeof b.title === 'string' ? b.title : `request failed (${status})`));
    this.status = status;
    this.title = typeof b.title === 'string' ? b.title : 'Error';
    this.detail = detail;
    this.errors = Array.isArray(b.errors) ? (b.errors as FieldIssue[]).filter((e) => e && typeof e.field === 'string') : [];
    this.body = b;
  }

  /** The reason the API gave for one field (`email`, `items.0.name`), if it named it. */
  field(name: string): string | undefined {
    return this.errors.find((e) => e.field === name)?.reason;
  }

  /** Issues that name no field of the form in hand: shown above the form. */
  unmatched(fields: readonly string[]): string[] {
    const rest = this.errors.filter((e) => !fields.includes(e.field)).map((e) => `${e.field}: ${e.reason}`);
    return rest.length || this.errors.length ? rest : [this.message];
  }
}
