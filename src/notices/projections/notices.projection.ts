import type { Projection } from '../../ledger/projections/projection';

/** Notice batches and substitute-notice postings, for lists and the public posting route. */
export const noticesProjection: Projection = {
  name: 'notices',
  version: 1,
  handles: [
    'NoticeBatchDrafted',
    'NoticeBatchRevised',
    'NoticeBatchPreviewed',
    'NoticeBatchApproved',
    'NoticeBatchReleased',
    'NoticeBatchCompleted',
    'NoticeBatchCancelled',
    'SubstituteNoticePosted',
    'SubstituteNoticeTakenDown',
  ],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS notice_batches (
      batch_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, kind TEXT NOT NULL, jurisdiction TEXT, status TEXT NOT NULL,
      content_digest TEXT NOT NULL, drafted_by TEXT NOT NULL, approved_by TEXT, released_at TEXT, completed_at TEXT,
      version INTEGER NOT NULL, updated_at TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS notice_batches_incident ON notice_batches (incident_id);
    CREATE TABLE IF NOT EXISTS notice_postings (
      posting_id TEXT PRIMARY KEY, batch_id TEXT NOT NULL, incident_id TEXT NOT NULL, slug TEXT NOT NULL UNIQUE,
      html_artifact TEXT NOT NULL, url TEXT NOT NULL, posted_at TEXT NOT NULL, take_down_at TEXT NOT NULL, taken_down_at TEXT)`);
  },
  reset(db) {
    db.exec('DELETE FROM notice_batches; DELETE FROM notice_postings;');
  },
  apply(db, e) {
    const d = e.data as Record<string, any>;
    const at = e.metadata.occurredAt;
    const status = (s: string, extra = '', args: unknown[] = []) =>
      db
        .prepare(`UPDATE notice_batches SET status = ?, version = ?, updated_at = ?${extra} WHERE batch_id = ?`)
        .run(s, e.version, at, ...args, d.batchId);
    switch (e.type) {
      case 'NoticeBatchDrafted':
        db.prepare(
          `INSERT OR REPLACE INTO notice_batches (batch_id, incident_id, kind, jurisdiction, status, content_digest, drafted_by, version, updated_at)
          VALUES (?, ?, ?, ?, 'drafted', ?, ?, ?, ?)`,
        ).run(d.batchId, d.incidentId, d.kind, d.jurisdiction ?? null, d.contentDigest, d.draftedBy, e.version, at);
        break;
      case 'NoticeBatchRevised':
        status('drafted', ', content_digest = ?, approved_by = NULL', [d.contentDigest]);
        break;
      case 'NoticeBatchPreviewed':
        status('previewed');
        break;
      case 'NoticeBatchApproved':
        status('approved', ', approved_by = ?', [d.approvedBy]);
        break;
      case 'NoticeBatchReleased':
        status('released', ', released_at = ?', [d.at]);
        break;
      case 'NoticeBatchCompleted':
        status('completed', ', completed_at = ?', [d.at]);
        break;
      case 'NoticeBatchCancelled':
        status('cancelled');
        break;
      case 'SubstituteNoticePosted':
        db.prepare(
          `INSERT OR REPLACE INTO notice_postings (posting_id, batch_id, incident_id, slug, html_artifact, url, posted_at, take_down_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(d.postingId, d.batchId, d.incidentId, d.slug, d.htmlArtifact, d.url, d.postedAt, d.takeDownAt);
        break;
      case 'SubstituteNoticeTakenDown':
        db.prepare('UPDATE notice_postings SET taken_down_at = ? WHERE posting_id = ?').run(d.at, d.postingId);
        break;
    }
  },
};
