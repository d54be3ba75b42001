import type { Projection } from '../../ledger/projections/projection';
import { AGENT_EVENT_TYPES } from '../domain/agent';

/**
 * Agents, their commands (proposed, issued, and how each ended) and the anomalies they
 * reported. `agents.version` is the agent stream's version (the ETag); a command's signed
 * message is kept while it may still be redelivered.
 */
export const agentsProjection: Projection = {
  name: 'agents',
  version: 1,
  handles: AGENT_EVENT_TYPES,
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS agents (agent_id TEXT PRIMARY KEY, status TEXT NOT NULL, kid TEXT, seal_public_key TEXT, host_facts TEXT,
        last_issued_seq INTEGER NOT NULL DEFAULT 0, last_reported_seq INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS agent_commands (command_id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, action TEXT NOT NULL, seq INTEGER, status TEXT NOT NULL,
        requested_by TEXT NOT NULL, approvals TEXT NOT NULL DEFAULT '[]', params TEXT, payload_digest TEXT, expires_at TEXT, message TEXT,
        reason TEXT, evidence TEXT, updated_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS agent_commands_agent ON agent_commands(agent_id, seq);
      CREATE INDEX IF NOT EXISTS agent_commands_status ON agent_commands(status);
      CREATE TABLE IF NOT EXISTS agent_anomalies (position INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL, at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS agent_gate_access (position INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, principal TEXT NOT NULL, uid INTEGER NOT NULL,
        dataset_id TEXT, grant_id TEXT, decided_at TEXT NOT NULL);`);
  },
  reset(db) {
    db.exec('DELETE FROM agents; DELETE FROM agent_commands; DELETE FROM agent_anomalies; DELETE FROM agent_gate_access;');
  },
  apply(db, e) {
    const d = e.data as Record<string, any>;
    const at = e.metadata.occurredAt;
    const run = (sql: string, ...args: unknown[]) => db.prepare(sql).run(...args);
    run('UPDATE agents SET version = ?, updated_at = ? WHERE agent_id = ?', Number(e.version), at, d.agentId);
    switch (e.type) {
      case 'AgentEnrollmentTokenIssued':
        run(
          `INSERT INTO agents (agent_id, status, version, updated_at) VALUES (?, 'token-issued', ?, ?)
           ON CONFLICT(agent_id) DO UPDATE SET status = 'token-issued', version = excluded.version, updated_at = excluded.updated_at`,
          d.agentId,
          Number(e.version),
          at,
        );
        break;
      case 'AgentEnrollmentRequested':
        run(
          `UPDATE agents SET status = 'pending-approval', kid = ?, seal_public_key = ?, host_facts = ? WHERE agent_id = ?`,
          d.kid,
          d.sealPublicKey,
          JSON.stringify(d.hostFacts ?? {}),
          d.agentId,
        );
        break;
      case 'AgentEnrolled':
        run(`UPDATE agents SET status = 'active' WHERE agent_id = ?`, d.agentId);
        break;
      case 'AgentRevoked':
        run(`UPDATE agents SET status = 'revoked' WHERE agent_id = ?`, d.agentId);
        break;
      case 'AgentCommandProposed':
        run(
          `INSERT OR REPLACE INTO agent_commands (command_id, agent_id, action, seq, status, requested_by, approvals, params, updated_at) VALUES (?, ?, ?, NULL, 'awaiting-approval', ?, '[]', ?, ?)`,
          d.commandId,
          d.agentId,
          d.action,
          d.requestedBy,
          JSON.stringify(d.params),
          at,
        );
        break;
      case 'AgentCommandApprovalAdded': {
        const row = db.prepare('SELECT approvals FROM agent_commands WHERE command_id = ?').get(d.commandId) as
          { approvals: string } | undefined;
        if (row)
          run(
            'UPDATE agent_commands SET approvals = ?, updated_at = ? WHERE command_id = ?',
            JSON.stringify([...(JSON.parse(row.approvals) as string[]), d.approval.approverId]),
            at,
            d.commandId,
          );
        break;
      }
      case 'AgentCommandIssued':
        run(
          `INSERT INTO agent_commands (command_id, agent_id, action, seq, status, requested_by, approvals, payload_digest, expires_at, message, updated_at)
           VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)
           ON CONFLICT(command_id) DO UPDATE SET seq = excluded.seq, status = 'pending', approvals = excluded.approvals, payload_digest = excluded.payload_digest,
             expires_at = excluded.expires_at, message = excluded.message, updated_at = excluded.updated_at`,
          d.commandId,
          d.agentId,
          d.action,
          d.seq,
          d.requestedBy,
          JSON.stringify(d.approvedBy),
          d.payloadDigest,
          d.expiresAt,
          JSON.stringify(d.message),
          at,
        );
        run('UPDATE agents SET last_issued_seq = ? WHERE agent_id = ?', d.seq, d.agentId);
        break;
      case 'AgentCommandCompleted':
      case 'AgentCommandFailed':
        // The signed message is no longer needed once the command ended: nothing to redeliver.
        run(
          `UPDATE agent_commands SET status = ?, reason = ?, evidence = ?, message = NULL, updated_at = ? WHERE command_id = ?`,
          e.type === 'AgentCommandCompleted' ? 'succeeded' : d.status,
          d.reason ?? null,
          JSON.stringify(d.evidence),
          at,
          d.commandId,
        );
        run('UPDATE agents SET last_reported_seq = MAX(last_reported_seq, ?) WHERE agent_id = ?', d.seq, d.agentId);
        break;
      case 'AgentAnomalyReported':
        run(
          `INSERT OR REPLACE INTO agent_anomalies (position, agent_id, kind, reason, detail, at) VALUES (?, ?, ?, ?, ?, ?)`,
          Number(e.position),
          d.agentId,
          d.kind,
          d.reason,
          d.detail,
          at,
        );
        break;
      case 'AgentGateAccessRecorded':
        run(
          `INSERT OR REPLACE INTO agent_gate_access (position, agent_id, principal, uid, dataset_id, grant_id, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
          Number(e.position),
          d.agentId,
          d.principal,
          d.uid,
          d.datasetId,
          d.grantId,
          d.decidedAt,
        );
        break;
      case 'AgentAnomaliesSuppressed':
        run(
          `INSERT OR REPLACE INTO agent_anomalies (position, agent_id, kind, reason, detail, at) VALUES (?, ?, 'suppressed', 'budget', ?, ?)`,
          Number(e.position),
          d.agentId,
          `more than ${d.limit} anomalies since ${d.windowStart}: the rest of this hour is counted in metrics, not recorded`,
          at,
        );
        break;
    }
  },
};
