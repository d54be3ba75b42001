import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { LEDGER, type Ledger } from '../../../ledger/ledger';
import { uuidv7 } from '../../../platform/ids';
import { ValidationError } from '../../../platform/errors';
import { runBatchCommand } from '../../batch-stream';
import { NoticeContent, resolveRegulator } from '../../content/notice-content';
import { OrganizationProfiles } from '../../profile/profile.controller';
import { DraftNoticeBatchCommand } from './draft-notice-batch.command';

@CommandHandler(DraftNoticeBatchCommand)
export class DraftNoticeBatchHandler implements ICommandHandler<DraftNoticeBatchCommand, { batchId: string; version: bigint }> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly content: NoticeContent,
    private readonly profiles: OrganizationProfiles,
  ) {}

  async execute({ input: request, ctx }: DraftNoticeBatchCommand): Promise<{ batchId: string; version: bigint }> {
    const input = await this.content.withIncidentFacts(request);
    await this.content.requireRecipients(input.recipientsArtifact);
    if (input.kind === 'individual' && !input.recipientsArtifact)
      throw ValidationError.field('recipientsArtifact', 'required for individual notices');
    // A request that names no organization uses the profile kept in the ledger (or the environment's file).
    const content = this.content.build({ ...input, organization: input.organization ?? (await this.profiles.current()) ?? undefined });
    // A state-regulator batch always names its regulator (the overlay duty): it is the evidence for that regulator's obligation only.
    const regulator =
      input.kind === 'state-regulator' && content.options.jurisdiction
        ? (await resolveRegulator(content.options.jurisdiction, content.letterDate, content.options.regulator)).id
        : undefined;
    const batchId = uuidv7();
    const contentArtifact = await this.content.store(input.incidentId, content);
    const contentDigest = this.content.digest(content, input.recipientsArtifact);
    const r = await runBatchCommand(
      this.ledger,
      batchId,
      {
        kind: 'draft',
        batchId,
        incidentId: input.incidentId,
        noticeKind: input.kind,
        ...(content.options.jurisdiction ? { jurisdiction: content.options.jurisdiction } : {}),
        ...(regulator ? { regulator } : {}),
        contentDigest,
        contentArtifact,
        ...(input.recipientsArtifact ? { recipients: { artifactDigest: input.recipientsArtifact, count: -1 } } : {}),
        actor: ctx.actor,
        at: this.ledger.now().toISOString(),
      },
      ctx,
      'create',
    );
    return { batchId, version: r.nextExpectedVersion };
  }
}
