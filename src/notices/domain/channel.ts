/**
 * Which channel reaches one affected individual (45 CFR 164.404(d)):
 * - email when the individual agreed to electronic notice and an address is on file;
 * - first-class mail to the last known address otherwise;
 * - deceased: mail to the next of kin or personal representative when their address is known,
 *   otherwise nobody (and, per 164.404(d)(2), this does not count toward substitute notice);
 * - insufficient or out-of-date contact information: substitute notice.
 */
import type { AffectedIndividual, PostalAddress } from '../../incidents';

export type NoticeChannel = 'email' | 'mail' | 'mail-next-of-kin' | 'substitute' | 'none';
export const CHANNELS: readonly NoticeChannel[] = ['email', 'mail', 'mail-next-of-kin', 'substitute', 'none'];

export interface ChannelPlan {
  channel: NoticeChannel;
  /** Where the letter goes (mail channels only). */
  address?: PostalAddress;
  addresseeName?: string;
  /** State of residence used for media counts (the individual's own address), or 'unknown'. */
  state: string;
}

export function planChannel(p: AffectedIndividual): ChannelPlan {
  const state = p.address?.state ?? 'unknown';
  if (p.deceased) {
    if (p.nextOfKin?.address) {
      return { channel: 'mail-next-of-kin', address: p.nextOfKin.address, addresseeName: p.nextOfKin.name, state };
    }
    return { channel: 'none', state };
  }
  if (p.emailConsent && p.email) return { channel: 'email', state };
  if (p.insufficientContact || !p.address) return { channel: 'substitute', state };
  return { channel: 'mail', address: p.address, addresseeName: p.name, state };
}

export interface ChannelCounts {
  total: number;
  byChannel: Record<NoticeChannel, number>;
  /** Individuals per state of residence (all channels), for media-notice thresholds. */
  byState: Record<string, number>;
  /** Per channel and state, as the preview shows it. */
  byChannelAndState: Record<NoticeChannel, Record<string, number>>;
}

export function emptyCounts(): ChannelCounts {
  const byChannel = Object.fromEntries(CHANNELS.map((c) => [c, 0])) as Record<NoticeChannel, number>;
  const byChannelAndState = Object.fromEntries(CHANNELS.map((c) => [c, {}])) as Record<NoticeChannel, Record<string, number>>;
  return { total: 0, byChannel, byState: {}, byChannelAndState };
}

export function addToCounts(c: ChannelCounts, plan: ChannelPlan): void {
  c.total += 1;
  c.byChannel[plan.channel] += 1;
  c.byState[plan.state] = (c.byState[plan.state] ?? 0) + 1;
  const s = c.byChannelAndState[plan.channel];
  s[plan.state] = (s[plan.state] ?? 0) + 1;
}
