import type { RecordedEvent } from '../../ledger/port';
import { systemActor } from '../../shared/system-actor';
import type { EventProcessor } from '../../ledger/processors/event-processor';
import type { Ledger } from '../../ledger/ledger';
import { handleCommand, loadState } from '../../ledger/decider';
import { invitationDecider } from './domain/invitation';
import type { InvitationMailer } from './invitation-mailer';

/**
 * Mails each invitation after its event is committed (the ledger is the outbox), then records
 * `InvitationSent`. At-least-once: the mailer is idempotent by invitation id.
 */
export class InvitationMailProcessor implements EventProcessor {
  readonly name = 'people-invitation-mail';
  readonly handles = ['InvitationIssued'] as const;

  constructor(
    private readonly ledger: Ledger,
    private readonly mailer: InvitationMailer,
    private readonly linkFor: (invitationId: string) => Promise<string>,
    /** The organization's name at send time (the profile's, else ORG_NAME). */
    private readonly orgName: () => Promise<string>,
  ) {}

  async handle(event: RecordedEvent): Promise<void> {
    const d = event.data as { invitationId: string; name: string; email: string | null; role: string; purpose: string; expiresAt: string };
    if (d.purpose !== 'invite' || !d.email) return;
    const { state } = await loadState(this.ledger, `invitation-${d.invitationId}`, invitationDecider);
    if (state.sent || state.status !== 'pending') return;
    const orgName = await this.orgName();
    const messageId = await this.mailer.send({
      key: `invitation-${d.invitationId}`,
      to: d.email,
      subject: `You are invited to Safe Harbor (${orgName})`,
      text: [
        `Hello ${d.name},`,
        '',
        `You have been invited to ${orgName}'s Safe Harbor compliance console as ${d.role}.`,
        "Open this link to register a passkey (your device's screen lock or a security key) and sign in:",
        '',
        await this.linkFor(d.invitationId),
        '',
        `The link works once and expires at ${d.expiresAt} (UTC).`,
        'If you did not expect this invitation, ignore this message.',
      ].join('\n'),
    });
    await handleCommand(
      this.ledger,
      `invitation-${d.invitationId}`,
      invitationDecider,
      { kind: 'record-sent', invitationId: d.invitationId, messageId },
      { actor: systemActor('invitations'), correlationId: event.metadata.correlationId, causationId: event.id },
      { mode: 'update' },
    );
  }
}
