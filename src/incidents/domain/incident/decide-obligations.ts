/**
 * Working through what the incident owes: start, complete with evidence, waive (requested by
 * one compliance officer, approved by another), and close once nothing is left open.
 */
import { assertSecondApprover } from '../../../shared/two-person-rule';
import type { Role } from '../../../shared/roles';
import { isIsoDate } from '../../../shared/calendar';
import { completionRedatesStateObligations } from '../triage/incident-facts';
import type { IncidentObligationCommand } from './commands';
import type { Triage } from './decide-triage';
import { evidenceMismatch } from './evidence';
import type { IncidentEvent } from './events';
import { IncidentRuleError, nonEmpty, requireObligation, requireOpen } from './rules';
import type { IncidentState } from './state';

export function decideObligations(command: IncidentObligationCommand, state: IncidentState, triage: Triage): IncidentEvent[] {
  requireOpen(state);
  const incidentId = state.incidentId!;
  switch (command.kind) {
    case 'start-obligation': {
      const o = requireObligation(state, command.obligationId);
      if (o.status !== 'open') throw new IncidentRuleError(`obligation is ${o.status}, not open`);
      return [{ type: 'ObligationStarted', data: { incidentId, obligationId: o.obligationId, startedBy: command.actor.id } }];
    }
    case 'complete-obligation': {
      const o = requireObligation(state, command.obligationId);
      if (o.status !== 'open' && o.status !== 'in-progress') throw new IncidentRuleError(`obligation is ${o.status}`);
      const ev = command.evidence;
      nonEmpty(ev?.description, 'evidence.description');
      if (!isIsoDate(ev.completedOn) || ev.completedOn > command.today)
        throw new IncidentRuleError('evidence.completedOn must be a date not in the future');
      const mismatch = evidenceMismatch(o, ev.proof, { incidentId, affected: state.affectedList, today: command.today });
      if (mismatch) throw new IncidentRuleError(mismatch);
      const completed: IncidentEvent[] = [
        { type: 'ObligationCompleted', data: { incidentId, obligationId: o.obligationId, completedBy: command.actor.id, evidence: ev } },
      ];
      // A notice other state notices are counted from: re-triage so they get their real dates.
      return completionRedatesStateObligations(o.kind, Object.values(state.obligations))
        ? triage.afterFacts(state, completed, command)
        : completed;
    }
    case 'request-waiver': {
      const o = requireObligation(state, command.obligationId);
      if (o.status !== 'open' && o.status !== 'in-progress') throw new IncidentRuleError(`obligation is ${o.status}`);
      return [
        {
          type: 'ObligationWaiverRequested',
          data: { incidentId, obligationId: o.obligationId, reason: nonEmpty(command.reason, 'reason'), requestedBy: command.actor.id },
        },
      ];
    }
    case 'approve-waiver': {
      const o = requireObligation(state, command.obligationId);
      if (!o.waiverRequest) throw new IncidentRuleError('no waiver was requested for this obligation');
      if (o.status !== 'open' && o.status !== 'in-progress') throw new IncidentRuleError(`obligation is ${o.status}`);
      assertSecondApprover({ id: o.waiverRequest.requestedBy }, { id: command.actor.id, role: command.actor.role as Role }, [
        'compliance-officer',
      ]);
      return [
        {
          type: 'ObligationWaived',
          data: {
            incidentId,
            obligationId: o.obligationId,
            reason: o.waiverRequest.reason,
            requestedBy: o.waiverRequest.requestedBy,
            approvedBy: command.actor.id,
          },
        },
      ];
    }
    case 'close': {
      if (state.decisions === 0) throw new IncidentRuleError('a triage decision is required before closing');
      const pending = Object.values(state.obligations).filter((o) => o.status === 'open' || o.status === 'in-progress');
      if (pending.length > 0) {
        throw new IncidentRuleError(`obligations still open: ${pending.map((o) => o.obligationId).join(', ')}`);
      }
      const data: { incidentId: string; closedBy: string; closedOn: string; note?: string } = {
        incidentId,
        closedBy: command.actor.id,
        closedOn: command.today,
      };
      if (command.note) data.note = command.note;
      return [{ type: 'IncidentClosed', data }];
    }
  }
}
