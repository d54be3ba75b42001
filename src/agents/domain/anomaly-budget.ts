/**
 * How many anomalies one agent may add to the ledger. Junk jobs cost an attacker nothing to
 * write into Redis, and each is refused and reported; without a budget a flood of them would
 * grow the ledger without bound. Per agent and per hour, the first ANOMALY_BUDGET.perWindow
 * anomalies are recorded; the next one is recorded as a single "suppressed" marker naming the
 * window; the rest of that window is counted outside the ledger (metrics) and dropped.
 */
export const ANOMALY_BUDGET = { perWindow: 20, windowMs: 3600_000 } as const;

export interface AnomalyWindow {
  /** ISO instant the current window began (the first anomaly in it). */
  start: string;
  recorded: number;
  suppressed: boolean;
}

export type AnomalyAdmission = 'record' | 'suppress' | 'drop';

function current(w: AnomalyWindow | null, at: string): AnomalyWindow | null {
  return w && Date.parse(at) - Date.parse(w.start) < ANOMALY_BUDGET.windowMs ? w : null;
}

export function admitAnomaly(w: AnomalyWindow | null, at: string): AnomalyAdmission {
  const cur = current(w, at);
  if (!cur || cur.recorded < ANOMALY_BUDGET.perWindow) return 'record';
  return cur.suppressed ? 'drop' : 'suppress';
}

/** The window after an anomaly was recorded at `at`. */
export function afterRecorded(w: AnomalyWindow | null, at: string): AnomalyWindow {
  const cur = current(w, at);
  return cur ? { ...cur, recorded: cur.recorded + 1 } : { start: at, recorded: 1, suppressed: false };
}

/** The window after its suppression marker. */
export function afterSuppressed(w: AnomalyWindow | null, at: string): AnomalyWindow {
  return { ...(current(w, at) ?? { start: at, recorded: ANOMALY_BUDGET.perWindow }), suppressed: true };
}
