import type { Command } from 'commander';
import type { EventStore } from '../ledger/port';
import type { CliRuntime } from './runtime';

/** One row of `phi legacy-text`: an event type's free-text field and how many stored events hold it in clear. */
export interface LegacyTextRow {
  type: string;
  field: string;
  events: number;
}

/**
 * `safeharbor phi legacy-text`: how many stored events carry free text in clear, per event type
 * and field (written before the ledger sealed free text, or before a field was declared). The
 * ledger is append-only and hashed, so they cannot be rewritten, and crypto-shredding cannot reach
 * them (src/phi/README.md); reads treat them as sealed. Prints counts, never a value.
 */
export function registerPhiCommands(program: Command, cli: CliRuntime): void {
  program
    .command('phi')
    .description('PHI held by the service')
    .command('legacy-text')
    .description('count stored events whose declared free-text fields are still in clear text (counts only, never the text)')
    .action(async () => {
      await cli.withApp(async (app) => {
        const { EVENT_STORE } = await import('../platform/tokens');
        const { FREE_TEXT_FIELDS } = await import('../app/free-text-fields');
        const { clearFreeTextFields } = await import('../phi/legacy-text');
        const store = app.get<EventStore>(EVENT_STORE);
        const counts = new Map<string, LegacyTextRow>();
        let scanned = 0;
        let withClearText = 0;
        for (let after = 0n; ;) {
          const page = await store.readAll({ after, maxCount: 1000 });
          for (const e of page.events) {
            scanned++;
            const found = clearFreeTextFields(FREE_TEXT_FIELDS, e.type, e.data);
            if (found.size > 0) withClearText++;
            for (const field of found.keys()) {
              const key = `${e.type}\u0000${field}`;
              const row = counts.get(key) ?? { type: e.type, field, events: 0 };
              row.events++;
              counts.set(key, row);
            }
          }
          if (page.isEnd || page.events.length === 0) break;
          after = page.lastPosition;
        }
        const fields = [...counts.values()].sort((a, b) => a.type.localeCompare(b.type) || a.field.localeCompare(b.field));
        cli.print({
          scanned,
          withClearText,
          fields,
          note:
            withClearText > 0
              ? 'these events keep their clear text: the ledger is append-only and hashed, and crypto-shredding cannot reach them; reads show them as sealed (run "safeharbor projections rebuild" once after upgrading so read models hold them marked)'
              : 'no clear free text in the ledger',
        });
      });
    });
}
