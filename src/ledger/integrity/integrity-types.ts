/** What the integrity layer is configured with and what it answers (kept apart from the service). */
import type { Clock } from '../../platform/clock';
import type { WitnessOutcome } from './cosigning';
import type { AlarmMailer } from './tamper-alarm';

export interface IntegrityOptions {
  origin: string;
  /**
   * Where the ledger signing key and the event authentication key live: beside the master key,
   * outside the data folder (never the master key itself).
   */
  keyDir: string;
  checkpointEveryEvents: number;
  checkpointEverySeconds: number;
  fileWitnessDirs: string[];
  httpWitnesses: Array<{ vkey: string; url: string }>;
  quorum: number;
  clock: Clock;
  log?: (level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void;
  /** Verify with worker threads when more than this many events are to be scanned (default 200k). */
  parallelVerifyThreshold?: number;
  /** Called once per distinct finding: the module records LedgerTamperDetected (retried while it throws). */
  onTamper?: (finding: TamperFinding) => Promise<void> | void;
  /** Direct mail to the security officers (the ledger may be what is broken). */
  mailer?: AlarmMailer;
  officers?: string[] | (() => Promise<string[]>);
}

export interface LedgerHealth {
  ok: boolean;
  /** Why appends are refused (rows without leaves, a tree longer than the table). */
  failure?: { kind: string; reason: string; position?: number };
  pendingAlerts: number;
}

export interface TamperFinding {
  kind: string;
  reason: string;
  position?: number;
  detectedBy: 'verify' | 'witness' | 'signer' | 'append' | 'mirror';
  witness?: string;
  checkpointSize?: number;
}

export interface InclusionProofResult {
  eventId: string;
  position: number;
  leafIndex: number;
  leafHash: string;
  treeSize: number;
  root: string;
  proof: string[];
  checkpoint: string;
  cosignatures: number;
}

export interface CheckpointResult {
  size: number;
  root: string;
  note: string;
  cosignatures: number;
  witnesses: WitnessOutcome[];
}
