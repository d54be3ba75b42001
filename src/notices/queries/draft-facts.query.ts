import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { NoticeContent } from '../content/notice-content';

/** What a notice to individuals can say from the incident's facts alone, for an officer to review. */
export class DraftNoticeFactsQuery {
  constructor(readonly incidentId: string) {}
}

export interface DraftNoticeFacts {
  incidentId: string;
  /** Prefilled facts: what happened (from type, place and dates), types of PHI, steps, mitigation, dates, type, locations. */
  facts: Record<string, unknown>;
  /** The kinds of information (codes) the facts were drafted from: incident, list columns, datasets. */
  dataElements: string[];
  /** What the officer must check or add before approval. */
  review: string[];
  /** Version of the drafting wording (templates/content) and the template digest a batch will bind. */
  wording: { version: number; templatesDigest: string };
}

@QueryHandler(DraftNoticeFactsQuery)
export class DraftNoticeFactsHandler implements IQueryHandler<DraftNoticeFactsQuery, DraftNoticeFacts> {
  constructor(private readonly content: NoticeContent) {}

  async execute({ incidentId }: DraftNoticeFactsQuery): Promise<DraftNoticeFacts> {
    const d = await this.content.draftFacts(incidentId);
    return {
      incidentId,
      facts: d.facts,
      dataElements: d.dataElements,
      review: d.review,
      wording: { version: d.catalogueVersion, templatesDigest: this.content.templates.digest },
    };
  }
}
