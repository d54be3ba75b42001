/**
 * Facts about what happened: the report, amended details, revised facts, the exception and
 * four-factor assessments, safeguards, the affected list or counts, and law-enforcement holds.
 * Once the incident was decided, every changed fact is followed by a new triage decision.
 */
import type { IncidentFactCommand } from './commands';
import {
  FACTORS,
  type AffectedCountsRevisedData,
  type UnresolvedRowsExcludedData,
  type Factor,
  type FactorAnswer,
  type HoldRecordedData,
  type IncidentEvent,
} from './events';
import type { Triage } from './decide-triage';
import { IncidentRuleError, nonEmpty, requireOpen, retainUntil } from './rules';
import type { IncidentState } from './state';

export function decideFacts(command: IncidentFactCommand, state: IncidentState, triage: Triage): IncidentEvent[] {
  const incidentId = state.incidentId!;
  switch (command.kind) {
    case 'report':
      if (state.exists) throw new IncidentRuleError('incident already reported');
      if (command.data.occurred && command.data.occurred.from > command.data.discoveredOn) {
        throw new IncidentRuleError('occurred.from must not be after discoveredOn');
      }
      return [{ type: 'IncidentReported', data: command.data }];
    case 'amend': {
      requireOpen(state);
      const changed: { title?: string; summary?: string } = {};
      if (command.title !== undefined && command.title !== state.title) changed.title = command.title;
      if (command.summary !== undefined && command.summary !== state.summary) changed.summary = command.summary;
      if (Object.keys(changed).length === 0) return [];
      return [{ type: 'IncidentDetailsAmended', data: { incidentId, ...changed } }];
    }
    case 'revise-facts': {
      requireOpen(state);
      const f = command.facts;
      if (f.occurred && f.occurred.from > state.discoveredOn!)
        throw new IncidentRuleError('occurred.from must not be after the discovery date');
      if (f.occurred?.to !== undefined && f.occurred.to < f.occurred.from)
        throw new IncidentRuleError('occurred.to must not be before occurred.from');
      return triage.afterFacts(state, [{ type: 'IncidentFactsRevised', data: { incidentId, ...f } }], command);
    }
    case 'assess-exception':
      requireOpen(state);
      return triage.afterFacts(
        state,
        [
          {
            type: 'ExceptionAssessed',
            data: {
              incidentId,
              exception: command.exception,
              rationale: nonEmpty(command.rationale, 'rationale'),
              assessedBy: command.actor.id,
              assessedOn: command.today,
              evidenceRetainUntil: retainUntil(command.today),
            },
          },
        ],
        command,
      );
    case 'record-risk-assessment': {
      requireOpen(state);
      const factors: Partial<Record<Factor, FactorAnswer>> = {};
      for (const f of FACTORS) {
        const a = command.factors[f];
        if (a) factors[f] = { risk: a.risk, rationale: nonEmpty(a.rationale, `factors.${f}.rationale`) };
      }
      const complete = FACTORS.every((f) => factors[f] !== undefined);
      return triage.afterFacts(
        state,
        [
          {
            type: 'RiskAssessmentRecorded',
            data: {
              incidentId,
              factors,
              complete,
              lowProbabilityOfCompromise: command.lowProbabilityOfCompromise,
              assessedBy: command.actor.id,
              assessedOn: command.today,
              evidenceRetainUntil: retainUntil(command.today),
            },
          },
        ],
        command,
      );
    }
    case 'record-safeguards':
      requireOpen(state);
      return triage.afterFacts(state, [{ type: 'SafeguardsRecorded', data: { incidentId, ...command.safeguards } }], command);
    case 'record-affected-list':
      requireOpen(state);
      return triage.afterFacts(
        state,
        [{ type: 'AffectedListImported', data: { incidentId, listVersion: state.listVersion + 1, ...command.list } }],
        command,
      );
    case 'exclude-unresolved': {
      requireOpen(state);
      const list = state.affectedList;
      if (!list || list.listVersion !== command.listVersion)
        throw new IncidentRuleError(`list version ${command.listVersion} is not the current affected list`);
      if (list.unresolvedOpen === 0) throw new IncidentRuleError('the current affected list has no unresolved rows to exclude');
      if (command.actor.role !== 'compliance-officer') throw new IncidentRuleError('only a compliance officer may exclude unresolved rows');
      const data: UnresolvedRowsExcludedData = {
        incidentId,
        listVersion: list.listVersion,
        count: list.unresolvedOpen,
        reason: nonEmpty(command.reason, 'reason'),
        excludedBy: command.actor.id,
        excludedOn: command.today,
      };
      return [{ type: 'UnresolvedRowsExcluded', data }];
    }
    case 'revise-affected-counts': {
      requireOpen(state);
      const c = command.counts;
      const total = Object.values(c.byState).reduce((a, b) => a + b, 0);
      if (c.insufficientContact > total) throw new IncidentRuleError('insufficientContact must not exceed the total affected');
      const data: AffectedCountsRevisedData = { incidentId, counts: c, reason: command.reason };
      if (command.note) data.note = command.note;
      return triage.afterFacts(state, [{ type: 'AffectedCountsRevised', data }], command);
    }
    case 'record-hold': {
      requireOpen(state);
      if (state.holds.some((h) => h.holdId === command.holdId)) throw new IncidentRuleError('hold already recorded');
      if (command.statement === 'written' && command.until === undefined)
        throw new IncidentRuleError('a written statement names the period: until is required');
      if (command.until !== undefined && command.until < command.madeOn) throw new IncidentRuleError('until must not be before madeOn');
      nonEmpty(command.official?.name, 'official.name');
      nonEmpty(command.official?.agency, 'official.agency');
      const data: HoldRecordedData = {
        incidentId,
        holdId: command.holdId,
        statement: command.statement,
        madeOn: command.madeOn,
        official: command.official,
        documentedBy: command.actor.id,
      };
      if (command.until !== undefined) data.until = command.until;
      return triage.afterFacts(state, [{ type: 'LawEnforcementHoldRecorded', data }], command);
    }
    case 'end-hold': {
      requireOpen(state);
      const h = state.holds.find((x) => x.holdId === command.holdId);
      if (!h) throw new IncidentRuleError('no such hold');
      if (h.endedOn !== undefined) throw new IncidentRuleError('hold already ended');
      if (command.endedOn < h.madeOn) throw new IncidentRuleError('endedOn must not be before the statement');
      return triage.afterFacts(
        state,
        [
          {
            type: 'LawEnforcementHoldEnded',
            data: { incidentId, holdId: command.holdId, endedOn: command.endedOn, reason: nonEmpty(command.reason, 'reason') },
          },
        ],
        command,
      );
    }
  }
}
