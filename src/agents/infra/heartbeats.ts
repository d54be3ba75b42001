import type Database from 'better-sqlite3';

/**
 * The last signed heartbeat of each agent (seq it reached, when). Not an event: heartbeats come
 * every few seconds and prove only liveness, so they stay out of the ledger.
 */
export class HeartbeatStore {
  constructor(private readonly db: Database.Database) {
    db.exec(
      'CREATE TABLE IF NOT EXISTS agent_heartbeats (agent_id TEXT PRIMARY KEY, at TEXT NOT NULL, last_seq INTEGER NOT NULL, received_at TEXT NOT NULL)',
    );
  }

  record(agentId: string, at: string, lastSeq: number, receivedAt: string): void {
    this.db
      .prepare(
        'INSERT INTO agent_heartbeats (agent_id, at, last_seq, received_at) VALUES (?, ?, ?, ?) ON CONFLICT(agent_id) DO UPDATE SET at = excluded.at, last_seq = excluded.last_seq, received_at = excluded.received_at',
      )
      .run(agentId, at, lastSeq, receivedAt);
  }
}
