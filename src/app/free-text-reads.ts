import type { Request } from 'express';
import type { Ledger } from '../ledger/ledger';
import { holdsSealedText, openFreeText, OpenedFreeText, type PhiVault } from '../phi';
import type { Role } from '../shared/roles';

type ReadRequest = Request & {
  principal?: { id: string; role: Role };
  correlationId?: string;
  route?: { path?: string };
  /** Set on `@ReadsPhi()` routes (src/auth/http/phi-read.interceptor.ts), whose read is already recorded. */
  recordPhiRead?: () => Promise<void>;
};

/**
 * A response's sealed free text, opened for a reader of PHI (else shown sealed), and the opening
 * recorded as a read of PHI (issue 14, items 7 and 10): one `PhiAccessed` per response, naming the
 * scopes (`incident:<id>`, `text:<stream>`) and the response fields opened, never the text,
 * appended after the data was found and before it is sent. A response that opens nothing records
 * nothing; a failed record fails the response rather than send unrecorded text. A `@ReadsPhi()` route
 * records its read itself (once per response), so nothing more is appended there.
 */
export async function openFreeTextRecorded(
  vault: PhiVault,
  ledger: Ledger,
  req: ReadRequest,
  body: unknown,
  canRead: boolean,
): Promise<unknown> {
  if (!holdsSealedText(body)) return body;
  const opened = new OpenedFreeText();
  const out = await openFreeText(vault, body, canRead, opened.onOpened);
  if (req.principal && !req.recordPhiRead) {
    const principal = req.principal;
    await opened.record(
      ledger,
      { actor: { id: principal.id, role: principal.role }, correlationId: req.correlationId ?? 'phi-read' },
      { method: req.method, route: req.route?.path ?? 'unknown', params: { ...(req.params ?? {}) } },
    );
  }
  return out;
}
