/** Notice batch shapes (src/notices/queries/notice-batch.queries.ts); those routes have no response schema yet. */
import { api, PASSIVE_HEADER, unwrap } from '../../api/client';

export interface BatchProgress {
  planned: boolean;
  total: number | null;
  chunks: number | null;
  done: number;
  byState: Record<string, number>;
  byChannel: Record<string, number>;
  rate: number | null;
  etaSeconds: number | null;
  possibleDuplicates: number;
  finishedAt: string | null;
}

export interface NoticeBatch {
  batchId: string;
  incidentId: string;
  kind: string;
  status: 'drafted' | 'previewed' | 'approved' | 'released' | 'completed' | 'cancelled';
  contentDigest: string;
  drafter: string;
  authors: string[];
  revision: number;
  preview?: {
    contentDigest: string;
    counts: {
      total: number;
      byChannel: Record<string, number>;
      byState: Record<string, number>;
      /** Recipients per language their notice is written in; fallbacks: languages without templates (written in English). */
      byLanguage?: Record<string, number>;
      languageFallbacks?: Record<string, number>;
    };
    /** Per language: facts printed in English for want of a translation. */
    untranslated?: Record<string, string[]>;
    samples: Array<{ channel: string; language?: string }>;
  };
  approval?: { by: string; contentDigest: string; at: string };
  release?: { by: string; at: string };
  completion?: { at: string; delivered: number; failed: number };
  version: string;
  progress: BatchProgress;
}

export interface Proof {
  batchId: string;
  individualId: string;
  letterId: string;
  channel: string;
  state: string;
  time: string | null;
  smtpMessageId: string | null;
  mailHouseFile: string | null;
  pages: [number, number] | null;
  pdfSha256: string | null;
  returnedAt: string | null;
  returnReason: string | null;
}

export const batchKey = (id: string) => ['notice-batch', id] as const;

export async function fetchBatch(id: string, passive = false): Promise<NoticeBatch> {
  return unwrap(
    await api.GET('/v1/notices/batches/{id}', { params: { path: { id } }, headers: passive ? { [PASSIVE_HEADER]: '1' } : {} }),
  ) as unknown as NoticeBatch;
}

export const STATUS: Record<string, { label: string; color: string }> = {
  drafted: { label: 'Draft', color: 'blue.8' },
  previewed: { label: 'Previewed: awaiting approval', color: 'yellow.4' },
  approved: { label: 'Approved: ready to release', color: 'teal.9' },
  released: { label: 'Released: delivering', color: 'blue.8' },
  completed: { label: 'Delivered', color: 'teal.9' },
  cancelled: { label: 'Cancelled', color: 'gray.8' },
};

export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${seconds % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
