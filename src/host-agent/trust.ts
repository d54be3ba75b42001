/**
 * `agent.trust`: the one way an enrolled agent's trust settings change. The command is signed by
 * the service and approved by two officers whose keys are already pinned here (checked before
 * this runs), and it carries the whole new state, so what it drops is dropped.
 */
import type { ParamsOf } from '../shared/agent-protocol';
import type { ExecContext } from './actions';

export function agentTrust(p: ParamsOf<'agent.trust'>, ctx: ExecContext): Record<string, unknown> {
  const before = ctx.state.config();
  const next = { ...before, allowList: [...new Set(p.allowList)].sort(), approvers: p.approvers, serviceKeys: p.serviceKeys };
  ctx.state.writeConfig(next);
  const ids = (r: Record<string, unknown>) => Object.keys(r).sort();
  return {
    allowList: next.allowList,
    approvers: ids(next.approvers),
    serviceKeys: next.serviceKeys.map((k) => k.kid),
    dropped: {
      actions: before.allowList.filter((a) => !(next.allowList as readonly string[]).includes(a)),
      approvers: ids(before.approvers).filter((id) => !(id in next.approvers)),
      serviceKeys: before.serviceKeys.map((k) => k.kid).filter((kid) => !next.serviceKeys.some((k) => k.kid === kid)),
    },
  };
}
