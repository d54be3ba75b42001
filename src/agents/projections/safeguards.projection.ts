import type { Projection } from '../../ledger/projections/projection';

/** Read model of agents, keys, datasets, grants and agent commands (the indexes the safeguards flows need). */
export const safeguardsProjection: Projection = {
  name: 'safeguards',
  version: 2,
  handles: [
    'AgentEnrollmentTokenIssued', 'AgentEnrollmentRequested', 'AgentEnrolled', 'AgentRevoked', 'AgentCommandProposed', 'AgentCommandApprovalAdded', 'AgentCommandIssued', 'AgentCommandCompleted', 'AgentCommandFailed', 'AgentAnomalyReported',
    'KeyGenerated', 'KeyActivated', 'KeySuspended', 'KeyReactivated', 'KeyDeactivated', 'KeyRevoked', 'KeyVersionAdded', 'KeyCompromised', 'KeyDestructionScheduled', 'KeyDestructionCancelled', 'KeyDestroyed', 'KeyCustodianAssigned', 'KeyCustodianRemoved',
    'DatasetRegistered', 'DatasetEncrypted', 'DatasetRewrapped', 'DatasetCleartextFound', 'DatasetKeyRevokedOnHost', 'DatasetShredded',
    'AccessGrantRequested', 'AccessGrantApproved', 'AccessGrantRejected', 'AccessGrantExpired', 'AccessGrantRevoked',
    'RecertificationStarted', 'RecertificationClosed',
  ],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS sg_agents (agent_id TEXT PRIMARY KEY, status TEXT NOT NULL, kid TEXT, public_key TEXT, seal_public_key TEXT, last_issued_seq INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sg_keys (key_id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, current_version INTEGER NOT NULL, custodians TEXT NOT NULL DEFAULT '[]', updated_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sg_datasets (dataset_id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL, key_id TEXT, key_version INTEGER, state TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS sg_datasets_key ON sg_datasets(key_id);
      CREATE TABLE IF NOT EXISTS sg_grants (grant_id TEXT PRIMARY KEY, principal TEXT NOT NULL, dataset_id TEXT NOT NULL, permission TEXT NOT NULL, status TEXT NOT NULL, expires_at TEXT, updated_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS sg_grants_dataset ON sg_grants(dataset_id);
      CREATE TABLE IF NOT EXISTS sg_commands (command_id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, action TEXT NOT NULL, seq INTEGER, status TEXT NOT NULL, requested_by TEXT NOT NULL, approvals INTEGER NOT NULL DEFAULT 0, reason TEXT, evidence TEXT, updated_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sg_campaigns (campaign_id TEXT PRIMARY KEY, due_at TEXT NOT NULL, status TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sg_anomalies (position INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, kind TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL, at TEXT NOT NULL);`);
  },
  reset(db) {
    db.exec('DELETE FROM sg_agents; DELETE FROM sg_keys; DELETE FROM sg_datasets; DELETE FROM sg_grants; DELETE FROM sg_commands; DELETE FROM sg_anomalies; DELETE FROM sg_campaigns;');
  },
  apply(db, e) {
    const d = e.data as Record<string, any>;
    const at = e.metadata.occurredAt;
    const run = (sql: string, ...args: unknown[]) => db.prepare(sql).run(...args);
    switch (e.type) {
      case 'AgentEnrollmentTokenIssued':
        run(`INSERT INTO sg_agents (agent_id, status, updated_at) VALUES (?, 'token-issued', ?) ON CONFLICT(agent_id) DO UPDATE SET status='token-issued', updated_at=excluded.updated_at`, d.agentId, at);
        break;
      case 'AgentEnrollmentRequested':
        run(`UPDATE sg_agents SET status='pending-approval', kid=?, public_key=?, seal_public_key=?, updated_at=? WHERE agent_id=?`, d.kid, d.publicKey, d.sealPublicKey, at, d.agentId);
        break;
      case 'AgentEnrolled':
        run(`UPDATE sg_agents SET status='active', updated_at=? WHERE agent_id=?`, at, d.agentId);
        break;
      case 'AgentRevoked':
        run(`UPDATE sg_agents SET status='revoked', updated_at=? WHERE agent_id=?`, at, d.agentId);
        break;
      case 'AgentCommandProposed':
        run(`INSERT OR REPLACE INTO sg_commands (command_id, agent_id, action, seq, status, requested_by, approvals, updated_at) VALUES (?, ?, ?, NULL, 'awaiting-approval', ?, 0, ?)`, d.commandId, d.agentId, d.action, d.requestedBy, at);
        break;
      case 'AgentCommandApprovalAdded':
        run(`UPDATE sg_commands SET approvals = approvals + 1, updated_at=? WHERE command_id=?`, at, d.commandId);
        break;
      case 'AgentCommandIssued':
        run(`INSERT INTO sg_commands (command_id, agent_id, action, seq, status, requested_by, approvals, updated_at) VALUES (?, ?, ?, ?, 'issued', ?, ?, ?)
             ON CONFLICT(command_id) DO UPDATE SET seq=excluded.seq, status='issued', updated_at=excluded.updated_at`, d.commandId, d.agentId, d.action, d.seq, d.requestedBy, d.approvedBy.length, at);
        run(`UPDATE sg_agents SET last_issued_seq=? WHERE agent_id=?`, d.seq, d.agentId);
        break;
      case 'AgentCommandCompleted':
        run(`UPDATE sg_commands SET status='succeeded', evidence=?, updated_at=? WHERE command_id=?`, JSON.stringify(d.evidence), at, d.commandId);
        break;
      case 'AgentCommandFailed':
        run(`UPDATE sg_commands SET status=?, reason=?, evidence=?, updated_at=? WHERE command_id=?`, d.status, d.reason, JSON.stringify(d.evidence), at, d.commandId);
        break;
      case 'AgentAnomalyReported':
        run(`INSERT OR REPLACE INTO sg_anomalies (position, agent_id, kind, reason, detail, at) VALUES (?, ?, ?, ?, ?, ?)`, Number(e.position), d.agentId, d.kind, d.reason, d.detail, at);
        break;
      case 'KeyGenerated':
        run(`INSERT OR REPLACE INTO sg_keys (key_id, name, status, current_version, custodians, updated_at) VALUES (?, ?, 'pre-activation', 1, '[]', ?)`, d.keyId, d.name, at);
        break;
      case 'KeyActivated':
      case 'KeyReactivated':
        run(`UPDATE sg_keys SET status='active', updated_at=? WHERE key_id=?`, at, d.keyId);
        break;
      case 'KeySuspended':
        run(`UPDATE sg_keys SET status='suspended', updated_at=? WHERE key_id=?`, at, d.keyId);
        break;
      case 'KeyDeactivated':
      case 'KeyRevoked':
        run(`UPDATE sg_keys SET status='deactivated', updated_at=? WHERE key_id=?`, at, d.keyId);
        break;
      case 'KeyCompromised':
        run(`UPDATE sg_keys SET status='compromised', updated_at=? WHERE key_id=?`, at, d.keyId);
        break;
      case 'KeyDestructionScheduled':
        run(`UPDATE sg_keys SET status='destruction-scheduled', updated_at=? WHERE key_id=?`, at, d.keyId);
        break;
      case 'KeyDestructionCancelled':
        run(`UPDATE sg_keys SET status=?, updated_at=? WHERE key_id=?`, d.restoredStatus, at, d.keyId);
        break;
      case 'KeyDestroyed':
        run(`UPDATE sg_keys SET status='destroyed', updated_at=? WHERE key_id=?`, at, d.keyId);
        break;
      case 'KeyVersionAdded':
        run(`UPDATE sg_keys SET current_version=?, updated_at=? WHERE key_id=?`, d.version, at, d.keyId);
        break;
      case 'KeyCustodianAssigned':
      case 'KeyCustodianRemoved': {
        const row = db.prepare('SELECT custodians FROM sg_keys WHERE key_id=?').get(d.keyId) as { custodians: string } | undefined;
        const list: string[] = row ? JSON.parse(row.custodians) : [];
        const next = e.type === 'KeyCustodianAssigned' ? [...list, d.principal] : list.filter((p) => p !== d.principal);
        run(`UPDATE sg_keys SET custodians=?, updated_at=? WHERE key_id=?`, JSON.stringify(next), at, d.keyId);
        break;
      }
      case 'DatasetRegistered':
        run(`INSERT OR REPLACE INTO sg_datasets (dataset_id, agent_id, path, kind, key_id, key_version, state, updated_at) VALUES (?, ?, ?, ?, NULL, NULL, 'unencrypted', ?)`, d.datasetId, d.agentId, d.path, d.kind, at);
        break;
      case 'DatasetEncrypted':
        run(`UPDATE sg_datasets SET key_id=?, key_version=?, state='encrypted', updated_at=? WHERE dataset_id=?`, d.keyId, d.keyVersion, at, d.datasetId);
        break;
      case 'DatasetRewrapped':
        run(`UPDATE sg_datasets SET key_version=?, state='encrypted', updated_at=? WHERE dataset_id=?`, d.toVersion, at, d.datasetId);
        break;
      case 'DatasetCleartextFound':
        run(`UPDATE sg_datasets SET state='cleartext-found', updated_at=? WHERE dataset_id=?`, at, d.datasetId);
        break;
      case 'DatasetKeyRevokedOnHost':
        run(`UPDATE sg_datasets SET state='key-revoked', updated_at=? WHERE dataset_id=?`, at, d.datasetId);
        break;
      case 'DatasetShredded':
        run(`UPDATE sg_datasets SET state='shredded', updated_at=? WHERE dataset_id=?`, at, d.datasetId);
        break;
      case 'RecertificationStarted':
        run(`INSERT OR REPLACE INTO sg_campaigns (campaign_id, due_at, status, updated_at) VALUES (?, ?, 'open', ?)`, d.campaignId, d.dueAt, at);
        break;
      case 'RecertificationClosed':
        run(`UPDATE sg_campaigns SET status='closed', updated_at=? WHERE campaign_id=?`, at, d.campaignId);
        break;
      case 'AccessGrantRequested':
        run(`INSERT OR REPLACE INTO sg_grants (grant_id, principal, dataset_id, permission, status, expires_at, updated_at) VALUES (?, ?, ?, ?, 'requested', NULL, ?)`, d.grantId, d.principal, d.datasetId, d.permission, at);
        break;
      case 'AccessGrantApproved':
        run(`UPDATE sg_grants SET status='active', expires_at=?, updated_at=? WHERE grant_id=?`, d.expiresAt, at, d.grantId);
        break;
      case 'AccessGrantRejected':
      case 'AccessGrantExpired':
      case 'AccessGrantRevoked':
        run(`UPDATE sg_grants SET status=?, updated_at=? WHERE grant_id=?`, e.type === 'AccessGrantRejected' ? 'rejected' : e.type === 'AccessGrantExpired' ? 'expired' : 'revoked', at, d.grantId);
        break;
    }
  },
};
