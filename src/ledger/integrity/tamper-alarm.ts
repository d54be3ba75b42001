/**
 * Tamper alerts that reach people when the ledger cannot take them. A finding is
 * 1. written to a pending file outside the data folder (beside the keys) before anything else,
 * 2. e-mailed straight to the security officers: SAFEHARBOR_ROLE_EMAILS["security-officer"] from the
 *    environment, plus the organization profile's security-officer contact when the ledger can be
 *    read (the environment's addresses never depend on the ledger that may be the thing broken),
 * 3. appended as LedgerTamperDetected; when the append is refused (truncated ledger, rows
 *    without leaves) it stays pending and is appended once the ledger accepts appends again.
 * The pending file and the mail never carry event data: kind, reason (positions, sizes), time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TamperFinding } from './integrity.service';

export interface PendingAlert {
  key: string;
  finding: TamperFinding;
  detectedAt: string;
  mailed: boolean;
}

export interface AlarmMailer {
  send(to: string[], subject: string, text: string): Promise<void>;
}

export class TamperAlarm {
  private readonly file: string;
  private draining: Promise<number> | null = null;

  constructor(
    dir: string,
    private readonly opts: {
      now: () => string;
      record?: (f: TamperFinding) => Promise<void> | void;
      mailer?: AlarmMailer;
      officers: string[] | (() => Promise<string[]>);
      log: (level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void;
    },
  ) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.file = path.join(dir, 'tamper-alerts-pending.json');
  }

  get hasPending(): boolean {
    return fs.existsSync(this.file);
  }

  pending(): PendingAlert[] {
    try {
      return JSON.parse(fs.readFileSync(this.file, 'utf8')) as PendingAlert[];
    } catch {
      return [];
    }
  }

  private save(list: PendingAlert[]): void {
    if (list.length === 0) {
      fs.rmSync(this.file, { force: true });
      return;
    }
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(list), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }

  /** Raises a finding: pending first (survives a crash), then mail, then the ledger. */
  async raise(key: string, finding: TamperFinding): Promise<void> {
    const list = this.pending();
    if (!list.some((p) => p.key === key)) {
      list.push({ key, finding, detectedAt: this.opts.now(), mailed: false });
      this.save(list);
    }
    await this.mail(key);
    await this.drain();
  }

  private async mail(key: string): Promise<void> {
    const p = this.pending().find((x) => x.key === key);
    if (!p || p.mailed) return;
    const officers = await this.officers();
    if (!this.opts.mailer || officers.length === 0) {
      this.opts.log(
        'error',
        'tamper alert not e-mailed: no security-officer contact in the organization profile or SAFEHARBOR_ROLE_EMAILS',
        {
          kind: p.finding.kind,
        },
      );
      return;
    }
    const f = p.finding;
    const text = [
      'Safe Harbor detected tampering with its ledger.',
      '',
      `Kind:        ${f.kind}`,
      `Detected by: ${f.detectedBy}`,
      ...(f.position !== undefined ? [`Position:    ${f.position}`] : []),
      ...(f.checkpointSize !== undefined ? [`Checkpoint:  ${f.checkpointSize}`] : []),
      ...(f.witness ? [`Witness:     ${f.witness}`] : []),
      `At:          ${p.detectedAt}`,
      '',
      f.reason,
      '',
      'Run `safeharbor ledger verify --log-key <pinned key file>` and keep the data folder as evidence.',
    ].join('\n');
    try {
      await this.opts.mailer.send(officers, `[Safe Harbor] LEDGER TAMPERING DETECTED: ${f.kind}`, text);
      const list = this.pending();
      const q = list.find((x) => x.key === key);
      if (q) {
        q.mailed = true;
        this.save(list);
      }
    } catch (e) {
      this.opts.log('error', 'tamper alert e-mail failed', { err: (e as Error).message });
    }
  }

  private async officers(): Promise<string[]> {
    const o = this.opts.officers;
    if (Array.isArray(o)) return o;
    try {
      return await o();
    } catch (e) {
      this.opts.log('error', 'could not resolve the security officers for a tamper alert', { err: (e as Error).message });
      return [];
    }
  }

  /** Appends every pending alert the ledger accepts; returns how many are still pending. */
  drain(): Promise<number> {
    if (this.draining) return this.draining;
    const p = this.drainOnce().finally(() => (this.draining = null));
    this.draining = p;
    return p;
  }

  private async drainOnce(): Promise<number> {
    if (!this.opts.record) return this.pending().length;
    for (const alert of this.pending()) {
      if (!alert.mailed) await this.mail(alert.key);
      try {
        await this.opts.record(alert.finding);
      } catch (e) {
        this.opts.log('error', 'could not record LedgerTamperDetected: kept pending until the ledger accepts appends', {
          kind: alert.finding.kind,
          err: (e as Error).message,
        });
        continue;
      }
      this.save(this.pending().filter((x) => x.key !== alert.key));
      this.opts.log('warn', 'pending tamper alert recorded in the ledger', { kind: alert.finding.kind });
    }
    return this.pending().length;
  }
}
