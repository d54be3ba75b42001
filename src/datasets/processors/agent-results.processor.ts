import type { CommandBus } from '@nestjs/cqrs';
import type { Logger } from 'pino';
import { StreamNotFoundError } from '../../ledger/decider';
import type { EventProcessor } from '../../ledger/processors/event-processor';
import type { RecordedEvent } from '../../ledger/port';
import type { AgentCommandCompletedData } from '../../agents';
import { DatasetRuleError } from '../domain/dataset';
import { RecordDatasetFactCommand, type DatasetFact } from '../messages';

const ID_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** The dataset facts a completed agent command proved, from its evidence (counts and digests, never contents). */
export function factsOf(e: AgentCommandCompletedData): { datasetId: string; fact: DatasetFact }[] {
  const ev = e.evidence as Record<string, any>;
  const base = { commandId: e.commandId, at: e.at };
  switch (e.action) {
    case 'dataset.encrypt':
      return [
        {
          datasetId: ev.datasetId,
          fact: {
            ...base,
            kind: 'record-encrypted',
            keyId: ev.keyId,
            keyVersion: ev.keyVersion,
            files: ev.filesTotal,
            manifestDigest: ev.manifestDigest,
            keyApart: ev.keyApart === true,
            cleartextRemaining: ev.cleartextRemaining ?? 0,
          },
        },
      ];
    case 'key.rewrap':
      return [
        {
          datasetId: ev.datasetId,
          fact: {
            ...base,
            kind: 'record-rewrapped',
            keyId: ev.keyId,
            fromVersions: ev.fromVersions ?? [],
            toVersion: ev.toVersion,
            files: ev.filesTotal,
            manifestDigest: ev.manifestDigest,
          },
        },
      ];
    case 'key.revoke':
      return ((ev.datasets as string[]) ?? []).map((datasetId) => ({
        datasetId,
        fact: { ...base, kind: 'record-key-revoked', keyId: ev.keyId, wrappedKeysDestroyed: ev.wrappedDeksDestroyed ?? 0 },
      }));
    case 'dataset.shred':
      return [
        {
          datasetId: ev.datasetId,
          fact: {
            ...base,
            kind: 'record-shredded',
            filesDestroyed: ev.filesDestroyed ?? 0,
            wrappedKeysDestroyed: ev.wrappedDeksDestroyed ?? 0,
          },
        },
      ];
    case 'host.scan':
      return ((ev.findings as { check: string; target: string; detail: string }[]) ?? [])
        .filter((f) => f.check === 'unencrypted-dataset' && ID_RE.test(f.target))
        .map((f) => ({
          datasetId: f.target,
          fact: { ...base, kind: 'record-cleartext-found', files: Number(/^(\d+)/.exec(f.detail)?.[1] ?? 1) },
        }));
    default:
      return [];
  }
}

/**
 * Agent results become dataset facts: AgentCommandCompleted → DatasetEncrypted, Rewrapped,
 * KeyRevokedOnHost, Shredded or CleartextFound, recorded as the agent (idempotent per command).
 * A dataset registered elsewhere, or a fact its rules refuse, is logged and passed over — a
 * decision, not a failure; anything else is retried by the runner until it lands.
 */
export function agentResultsProcessor(commands: CommandBus, logger: Logger): EventProcessor {
  return {
    name: 'datasets.agent-results',
    handles: ['AgentCommandCompleted'],
    async handle(event: RecordedEvent) {
      const e = event.data as AgentCommandCompletedData;
      const ctx = { actor: { id: `agent:${e.agentId}`, role: 'agent' }, correlationId: e.commandId, causationId: event.id };
      for (const { datasetId, fact } of factsOf(e)) {
        try {
          await commands.execute(new RecordDatasetFactCommand(datasetId, fact, ctx));
        } catch (err) {
          if (!(err instanceof DatasetRuleError) && !(err instanceof StreamNotFoundError)) throw err;
          logger.warn(
            { position: String(event.position), action: e.action, kind: fact.kind, refused: (err as Error).message },
            'agent result not recorded on the dataset',
          );
        }
      }
    },
  };
}
