/**
 * Who is on the other end of a Unix socket, from the kernel. Node has no SO_PEERCRED, so the
 * agent asks the kernel's socket diagnostics (`ss -x`, sock_diag) for the peer's socket inode and
 * the processes holding it, then reads each holder's uid from /proc. Nothing comes from the
 * environment (SUDO_USER and friends are the caller's to set): root asking is root.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import type { Socket } from 'node:net';

export class PeerUnknown extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeerUnknown';
  }
}

export interface PeerIdentity {
  uid: number;
  user: string;
  pid: number;
}

function socketInode(sock: Socket): string {
  const fd = (sock as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new PeerUnknown('the connection has no file descriptor');
  const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
  if (!m) throw new PeerUnknown('the connection is not a socket');
  return m[1]!;
}

/** `ss -xHpn` rows: local inode, peer inode, holder pids. */
function socketTable(): { inode: string; peer: string; pids: number[] }[] {
  const out = execFileSync('ss', ['-xHpn'], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return out
    .split('\n')
    .map((line) => {
      const m = /\s(\d+)\s+\S+\s+(\d+)(?:\s+users:\((.*)\))?\s*$/.exec(line);
      if (!m) return null;
      const pids = [...(m[3] ?? '').matchAll(/pid=(\d+)/g)].map((x) => Number(x[1]));
      return { inode: m[1]!, peer: m[2]!, pids };
    })
    .filter((r): r is { inode: string; peer: string; pids: number[] } => r !== null);
}

function uidOf(pid: number): number {
  const m = /^Uid:\s+(\d+)\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new PeerUnknown('no uid for the peer process');
  // Effective uid: what the kernel checks the process's own file access against.
  return Number(m[2]);
}

export function userName(uid: number): string {
  try {
    const line = execFileSync('getent', ['passwd', String(uid)], { encoding: 'utf8' }).trim();
    if (line) return line.split(':')[0]!;
  } catch {
    /* fall through to /etc/passwd */
  }
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[2] === String(uid)) return f[0]!;
  }
  throw new PeerUnknown('the peer uid has no account name');
}

export function peerIdentity(sock: Socket): PeerIdentity {
  const mine = socketInode(sock);
  const table = socketTable();
  const row = table.find((r) => r.inode === mine);
  if (!row) throw new PeerUnknown('the kernel does not list this connection');
  const peer = table.find((r) => r.inode === row.peer);
  const pids = [...new Set(peer?.pids ?? [])];
  if (pids.length === 0) throw new PeerUnknown('no process holds the other end of the connection');
  const uids = [...new Set(pids.map(uidOf))];
  // Several holders with different accounts (a descriptor passed on): nobody can be named.
  if (uids.length !== 1) throw new PeerUnknown('the other end is held by processes of several accounts');
  return { uid: uids[0]!, user: userName(uids[0]!), pid: pids[0]! };
}
