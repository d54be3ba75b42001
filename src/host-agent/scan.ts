/**
 * host.scan: the hardening checks the seeds name, reported as findings (risk-register input).
 * Reads configuration under `hostRoot` (default "/"), so tests run against a fixture tree.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParamsOf } from '../shared/agent-protocol';
import { walk, type ExecContext } from './actions';
import { writeFileAtomic } from './fs-safe';

export interface Finding {
  check:
    | 'ssh-root-login'
    | 'ssh-password-auth'
    | 'listening-service'
    | 'world-writable'
    | 'unencrypted-dataset'
    | 'security-updates'
    | 'scan-limit';
  severity: 'high' | 'medium' | 'low' | 'info';
  title: string;
  target: string;
  detail: string;
}

/** sshd keeps the first value it reads for a keyword; Include is expanded in place; Match ends the global section. */
export function sshdSettings(root: string): Map<string, string> | null {
  const main = join(root, 'etc/ssh/sshd_config');
  if (!existsSync(main)) return null;
  const out = new Map<string, string>();
  let inMatch = false;
  const read = (file: string, depth: number) => {
    if (depth > 8 || !existsSync(file)) return;
    for (const raw of readFileSync(file, 'utf8').split('\n')) {
      const line = raw.replace(/#.*/, '').trim();
      if (!line) continue;
      const m = /^(\S+)\s*(?:=\s*|\s+)(.*)$/.exec(line);
      if (!m) continue;
      const key = m[1].toLowerCase();
      const value = m[2].trim();
      if (key === 'match') {
        inMatch = true;
        continue;
      }
      if (inMatch) continue;
      if (key === 'include') {
        for (const pattern of value.split(/\s+/)) {
          const abs = pattern.startsWith('/') ? join(root, pattern) : join(root, 'etc/ssh', pattern);
          const star = abs.lastIndexOf('*');
          if (star >= 0) {
            const dir = abs.slice(0, abs.lastIndexOf('/'));
            const suffix = abs.slice(star + 1);
            if (existsSync(dir)) for (const n of readdirSync(dir).sort()) if (n.endsWith(suffix)) read(join(dir, n), depth + 1);
          } else read(abs, depth + 1);
        }
        continue;
      }
      if (!out.has(key)) out.set(key, value.toLowerCase());
    }
  };
  read(main, 0);
  return out;
}

function parseAddr(hex: string): string {
  const [ip, port] = hex.split(':');
  const p = parseInt(port, 16);
  if (ip.length === 8) {
    const b = Buffer.from(ip, 'hex');
    return `${b[3]}.${b[2]}.${b[1]}.${b[0]}:${p}`;
  }
  const b = Buffer.from(ip, 'hex');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 4) {
    const w = b.readUInt32LE(i);
    const be = Buffer.alloc(4);
    be.writeUInt32BE(w);
    words.push(be.subarray(0, 2).toString('hex'), be.subarray(2, 4).toString('hex'));
  }
  return `[${words.map((w) => w.replace(/^0{1,3}/, '')).join(':')}]:${p}`;
}

export function listeningSockets(root: string): { address: string; port: number; loopback: boolean }[] {
  const out: { address: string; port: number; loopback: boolean }[] = [];
  for (const f of ['proc/net/tcp', 'proc/net/tcp6']) {
    const file = join(root, f);
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').split('\n').slice(1);
    for (const l of lines) {
      const cols = l.trim().split(/\s+/);
      if (cols.length < 4 || cols[3] !== '0A') continue;
      const address = parseAddr(cols[1]);
      const port = parseInt(cols[1].split(':')[1], 16);
      const loopback = address.startsWith('127.') || address.startsWith('[0:0:0:0:0:0:0:1]') || address === `[::1]:${port}`;
      out.push({ address, port, loopback });
    }
  }
  return out;
}

const WALK_LIMIT = 200_000;

export function runHostScan(p: ParamsOf<'host.scan'>, ctx: ExecContext): Record<string, unknown> {
  const root = ctx.hostRoot;
  const findings: Finding[] = [];
  const sshd = sshdSettings(root);
  if (sshd) {
    const prl = sshd.get('permitrootlogin') ?? 'prohibit-password';
    if (prl === 'yes')
      findings.push({
        check: 'ssh-root-login',
        severity: 'high',
        title: 'SSH allows root login with a password',
        target: 'sshd_config',
        detail: 'PermitRootLogin yes',
      });
    else if (prl === 'prohibit-password' || prl === 'without-password')
      findings.push({
        check: 'ssh-root-login',
        severity: 'low',
        title: 'SSH allows root login with a key',
        target: 'sshd_config',
        detail: `PermitRootLogin ${prl}${sshd.has('permitrootlogin') ? '' : ' (default)'}`,
      });
    const pa = sshd.get('passwordauthentication') ?? 'yes';
    if (pa === 'yes')
      findings.push({
        check: 'ssh-password-auth',
        severity: 'medium',
        title: 'SSH accepts password authentication',
        target: 'sshd_config',
        detail: `PasswordAuthentication yes${sshd.has('passwordauthentication') ? '' : ' (default)'}`,
      });
  }
  const listening = listeningSockets(root);
  for (const s of listening) {
    if (!s.loopback)
      findings.push({
        check: 'listening-service',
        severity: 'low',
        title: `Service listening on port ${s.port}`,
        target: s.address,
        detail: 'reachable from the network: confirm it is needed and firewalled',
      });
  }
  const paths = p.paths ?? ctx.state.datasets().map((d) => d.path);
  let walked = 0;
  let limited = false;
  // File names under PHI paths can themselves be PHI: findings carry the dataset path and a
  // count; the full list stays on the host, in the agent's 0600 state (scan-world-writable.log).
  const wwList: string[] = [];
  const ww = (dir: string): number => {
    let n = 0;
    if (limited) return n;
    for (const name of readdirSync(dir)) {
      if (++walked > WALK_LIMIT) {
        limited = true;
        return n;
      }
      const f = join(dir, name);
      const st = lstatSync(f);
      if (st.isSymbolicLink()) continue;
      if (st.mode & 0o002) {
        n++;
        wwList.push(`${(st.mode & 0o7777).toString(8)} ${f}`);
      }
      if (st.isDirectory()) n += ww(f);
    }
    return n;
  };
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const st = lstatSync(path);
    if (st.mode & 0o002)
      findings.push({
        check: 'world-writable',
        severity: 'high',
        title: 'World-writable PHI path',
        target: path,
        detail: `mode ${(st.mode & 0o7777).toString(8)}`,
      });
    const n = st.isDirectory() ? ww(path) : 0;
    if (n > 0)
      findings.push({
        check: 'world-writable',
        severity: 'high',
        title: 'World-writable files or directories under a PHI path',
        target: path,
        detail: `${n} entries; the list is in the agent state (scan-world-writable.log)`,
      });
  }
  if (wwList.length) writeFileAtomic(ctx.state.p('scan-world-writable.log'), wwList.join('\n') + '\n', 0o600);
  if (limited)
    findings.push({
      check: 'scan-limit',
      severity: 'info',
      title: 'Scan stopped early',
      target: '',
      detail: `more than ${WALK_LIMIT} entries under PHI paths`,
    });
  const known = new Map(ctx.state.datasets().map((d) => [d.path, d]));
  for (const path of paths) {
    if (!existsSync(path) || !lstatSync(path).isDirectory()) continue;
    const w = walk(path, false);
    const ds = known.get(path);
    if (!ds)
      findings.push({
        check: 'unencrypted-dataset',
        severity: 'high',
        title: 'PHI path not protected by this agent',
        target: path,
        detail: `${w.cleartext.length} cleartext files; register and encrypt the dataset`,
      });
    else if (w.cleartext.length > 0)
      findings.push({
        check: 'unencrypted-dataset',
        severity: 'high',
        title: 'Cleartext files in an encrypted dataset',
        target: ds.datasetId,
        detail: `${w.cleartext.length} cleartext files`,
      });
  }
  let updates: { security: number; source: string } | null = null;
  if (p.checkUpdates) {
    const notifier = join(root, 'var/lib/update-notifier/updates-available');
    if (existsSync(notifier)) {
      const m = /(\d+)\s+(?:of these\s+)?(?:updates?\s+(?:are|is)\s+)?(?:standard\s+)?security updates?/i.exec(
        readFileSync(notifier, 'utf8'),
      );
      updates = { security: m ? Number(m[1]) : 0, source: 'update-notifier' };
    } else if (root === '/' && existsSync('/usr/bin/apt-get')) {
      const r = spawnSync('apt-get', ['-s', '-o', 'Debug::NoLocking=1', 'upgrade'], { encoding: 'utf8', timeout: 120_000 });
      if (r.status === 0)
        updates = {
          security: r.stdout.split('\n').filter((l) => l.startsWith('Inst ') && /security/i.test(l)).length,
          source: 'apt-get -s upgrade',
        };
    }
    if (!updates)
      findings.push({
        check: 'security-updates',
        severity: 'info',
        title: 'Pending security updates not detectable',
        target: '',
        detail: 'no update-notifier data and no apt-get',
      });
    else if (updates.security > 0)
      findings.push({
        check: 'security-updates',
        severity: 'high',
        title: `${updates.security} security updates pending`,
        target: '',
        detail: `from ${updates.source}`,
      });
  }
  const order = { high: 0, medium: 1, low: 2, info: 3 };
  findings.sort((a, b) => order[a.severity] - order[b.severity] || a.check.localeCompare(b.check) || a.target.localeCompare(b.target));
  return { findings, listening: listening.length, pathsScanned: paths.length, updates };
}
