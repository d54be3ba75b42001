import type Database from 'better-sqlite3';

/**
 * Anomalies past the hourly budget (src/agents/domain/anomaly-budget.ts): after the window's
 * "suppressed" marker they are not recorded in the ledger, only counted here per agent, so a
 * flood of junk jobs leaves the ledger bounded and the API still says how many there were.
 */
export class DroppedAnomalyStore {
  constructor(private readonly db: Database.Database) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS agent_anomalies_dropped (agent_id TEXT PRIMARY KEY, count INTEGER NOT NULL, last_at TEXT NOT NULL)',
    );
  }

  count(agentId: string, at: string): void {
    this.db
      .prepare(
        'INSERT INTO agent_anomalies_dropped (agent_id, count, last_at) VALUES (?, 1, ?) ON CONFLICT(agent_id) DO UPDATE SET count = count + 1, last_at = excluded.last_at',
      )
      .run(agentId, at);
  }
}
