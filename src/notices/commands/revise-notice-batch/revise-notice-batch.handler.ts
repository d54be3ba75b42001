import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { LEDGER, type Ledger } from '../../../ledger/ledger';
import { loadBatch, runBatchCommand } from '../../batch-stream';
import { NoticeContent } from '../../content/notice-content';
import { OrganizationProfiles } from '../../profile/profile.controller';
import { ReviseNoticeBatchCommand } from './revise-notice-batch.command';

@CommandHandler(ReviseNoticeBatchCommand)
export class ReviseNoticeBatchHandler implements ICommandHandler<ReviseNoticeBatchCommand, { version: bigint }> {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly content: NoticeContent,
    private readonly profiles: OrganizationProfiles,
  ) {}

  async execute({ batchId, input, ctx, expectedVersion }: ReviseNoticeBatchCommand): Promise<{ version: bigint }> {
    const { state } = await loadBatch(this.ledger, batchId);
    const recipients = input.recipientsArtifact ?? state.recipients?.artifactDigest;
    await this.content.requireRecipients(input.recipientsArtifact);
    const derived = await this.content.withIncidentFacts({ ...input, incidentId: state.incidentId, kind: state.kind });
    const organization = input.organization ?? (await this.profiles.current()) ?? undefined;
    const content = this.content.build({ ...input, organization, options: derived.options, kind: state.kind });
    const contentDigest = this.content.digest(content, recipients);
    const contentArtifact = await this.content.store(state.incidentId, content);
    const r = await runBatchCommand(
      this.ledger,
      batchId,
      {
        kind: 'revise',
        contentDigest,
        contentArtifact,
        ...(input.recipientsArtifact ? { recipients: { artifactDigest: input.recipientsArtifact, count: -1 } } : {}),
        actor: ctx.actor,
        at: this.ledger.now().toISOString(),
      },
      ctx,
      'update',
      expectedVersion,
    );
    return { version: r.nextExpectedVersion };
  }
}
