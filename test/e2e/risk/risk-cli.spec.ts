import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCliProcess } from '../../support/cli';
import { makeTempDir } from '../../support/temp-dir';

describe('safeharbor risk / status / workflows commands (real CLI process)', () => {
  const dir = makeTempDir('safeharbor-risk-cli-');
  const env = { DATA_DIR: join(dir.path, 'data'), MASTER_KEY_FILE: join(dir.path, 'secrets', 'master.key') };
  afterAll(() => dir.cleanup());

  it('establishes the program, starts an assessment, proposes candidates, lists pending timers, prints the posture and the report', async () => {
    const admin = JSON.parse((await runCliProcess(['principals', 'create', '--name', 'Admin', '--role', 'admin'], env)).stdout)
      .apiKey as string;
    const alice = JSON.parse(
      (await runCliProcess(['--api-key', admin, 'principals', 'create', '--name', 'Alice', '--role', 'compliance-officer'], env)).stdout,
    );
    const as = { ...env, SAFEHARBOR_API_KEY: alice.apiKey as string };

    const bad = await runCliProcess(['risk', 'establish', '--name', 'P', '--owner', alice.id, '--first-review-due', '2025-02-30'], as);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/firstReviewDueOn/);

    const est = await runCliProcess(
      ['risk', 'establish', '--name', 'Example Health risk program', '--owner', alice.id, '--first-review-due', '2099-06-30'],
      as,
    );
    expect(est.code).toBe(0);
    expect(JSON.parse(est.stdout)).toMatchObject({ programId: 'default', reviewDueOn: '2099-06-30' });

    const start = await runCliProcess(
      ['risk', 'start', '--title', 'Risk analysis', '--period-start', '2099-01-01', '--period-end', '2099-12-31'],
      as,
    );
    expect(start.code).toBe(0);
    const { assessmentId } = JSON.parse(start.stdout);

    const notReady = await runCliProcess(['risk', 'submit', assessmentId], as);
    expect(notReady.code).not.toBe(0);
    expect(notReady.stderr).toMatch(/not ready to submit: assets: no asset registered/);

    const p1 = JSON.parse(
      (
        await runCliProcess(
          [
            'risk',
            'propose',
            '--origin',
            'hardening-finding',
            '--source',
            'agent:agent-01',
            '--code',
            'ssh-root-login',
            '--title',
            'SSH root login permitted',
            '--severity',
            'high',
          ],
          as,
        )
      ).stdout,
    );
    const p2 = JSON.parse(
      (
        await runCliProcess(
          [
            'risk',
            'propose',
            '--origin',
            'hardening-finding',
            '--source',
            'agent:agent-01',
            '--code',
            'ssh-root-login',
            '--title',
            'SSH root login permitted',
            '--severity',
            'high',
          ],
          as,
        )
      ).stdout,
    );
    expect(p1.created).toBe(true);
    expect(p2).toMatchObject({ candidateId: p1.candidateId, created: false });

    const pending = await runCliProcess(['workflows', 'pending'], as);
    expect(pending.code).toBe(0);
    expect(pending.stdout).toMatch(/^workflow +subject +dueOn +sent +next$/m);
    expect(pending.stdout).toMatch(/risk-review-annual@1 +risk-program default +2099-06-30 +0 +reminder-60d 2099-05-01T13:00:00\.000Z/);

    const status = await runCliProcess(['status'], as);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^== Reviews overdue or due within 30 days \[ok\]\n {3}none$/m);

    const out = join(dir.path, 'report.pdf');
    const rep = await runCliProcess(['risk', 'report', assessmentId, '--out', out], as);
    expect(rep.code).toBe(0);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
  }, 180_000);
});
