import type Database from 'better-sqlite3';
import type { Projection } from '../../ledger/projections/projection';
import { evolveGrant, GRANT_EVENT_TYPES, initialGrantState, type GrantEvent, type GrantState } from '../domain/grant';
import {
  CAMPAIGN_EVENT_TYPES,
  evolveCampaign,
  initialCampaignState,
  type CampaignEvent,
  type CampaignState,
} from '../domain/recertification';

/**
 * Grants and recertification campaigns as their aggregates fold them, one row each: indexed
 * columns for the sweeps and filters, `state` for the views, `version` for the ETag.
 */
export const accessProjection: Projection = {
  name: 'access',
  version: 1,
  handles: [...GRANT_EVENT_TYPES, ...CAMPAIGN_EVENT_TYPES],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS access_grants (grant_id TEXT PRIMARY KEY, principal TEXT NOT NULL, dataset_id TEXT NOT NULL, permission TEXT NOT NULL,
        status TEXT NOT NULL, expires_at TEXT, approved_by TEXT, version INTEGER NOT NULL, state TEXT NOT NULL, updated_at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS access_grants_dataset ON access_grants(dataset_id);
      CREATE INDEX IF NOT EXISTS access_grants_principal ON access_grants(principal);
      CREATE TABLE IF NOT EXISTS access_campaigns (campaign_id TEXT PRIMARY KEY, due_at TEXT NOT NULL, status TEXT NOT NULL, version INTEGER NOT NULL,
        state TEXT NOT NULL, updated_at TEXT NOT NULL);`);
  },
  reset(db) {
    db.exec('DELETE FROM access_grants; DELETE FROM access_campaigns;');
  },
  apply(db, e) {
    if ((GRANT_EVENT_TYPES as readonly string[]).includes(e.type)) {
      const grantId = (e.data as { grantId: string }).grantId;
      const row = db.prepare('SELECT state FROM access_grants WHERE grant_id = ?').get(grantId) as { state: string } | undefined;
      const s = evolveGrant(row ? (JSON.parse(row.state) as GrantState) : initialGrantState(), {
        type: e.type,
        data: e.data,
      } as GrantEvent);
      db.prepare(
        `INSERT INTO access_grants (grant_id, principal, dataset_id, permission, status, expires_at, approved_by, version, state, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(grant_id) DO UPDATE SET status = excluded.status, expires_at = excluded.expires_at, approved_by = excluded.approved_by,
           version = excluded.version, state = excluded.state, updated_at = excluded.updated_at`,
      ).run(
        grantId,
        s.principal ?? '',
        s.datasetId ?? '',
        s.permission ?? 'read',
        s.status ?? 'requested',
        s.expiresAt,
        s.approvedBy,
        Number(e.version),
        JSON.stringify(s),
        e.metadata.occurredAt,
      );
      return;
    }
    const campaignId = (e.data as { campaignId: string }).campaignId;
    const row = db.prepare('SELECT state FROM access_campaigns WHERE campaign_id = ?').get(campaignId) as { state: string } | undefined;
    const s = evolveCampaign(row ? (JSON.parse(row.state) as CampaignState) : initialCampaignState(), {
      type: e.type,
      data: e.data,
    } as CampaignEvent);
    db.prepare(
      `INSERT INTO access_campaigns (campaign_id, due_at, status, version, state, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(campaign_id) DO UPDATE SET due_at = excluded.due_at, status = excluded.status, version = excluded.version, state = excluded.state, updated_at = excluded.updated_at`,
    ).run(campaignId, s.dueAt ?? '', s.status ?? 'open', Number(e.version), JSON.stringify(s), e.metadata.occurredAt);
  },
};

export function readGrantRow(db: Database.Database, grantId: string): { state: GrantState; version: number } | undefined {
  const row = db.prepare('SELECT state, version FROM access_grants WHERE grant_id = ?').get(grantId) as
    { state: string; version: number } | undefined;
  return row && { state: JSON.parse(row.state) as GrantState, version: row.version };
}

export function readCampaignRow(db: Database.Database, campaignId: string): { state: CampaignState; version: number } | undefined {
  const row = db.prepare('SELECT state, version FROM access_campaigns WHERE campaign_id = ?').get(campaignId) as
    { state: string; version: number } | undefined;
  return row && { state: JSON.parse(row.state) as CampaignState, version: row.version };
}
