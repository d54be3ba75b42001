/**
 * The decrypt gate as a local service: a Unix socket any local account may connect to; who asks
 * is taken from the kernel (peer-identity.ts), never from the request or the environment. Each
 * decision is written to the local access log and, when the agent runs, reported to the service.
 *
 * Wire format: the client sends one JSON line {"path": "/abs/file"}; the gate answers one JSON
 * header line ({"ok":true,"datasetId"} or {"ok":false,"code","message"}), then for an allowed read
 * frames of <u32 length><bytes>, and a zero-length frame followed by a JSON trailer line
 * ({"ok":true} or {"ok":false,"code"} when decryption failed part-way: the bytes must be discarded).
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { HostAgent } from './agent';
import { GateDenied, gateRead } from './decrypt-gate';
import { peerIdentity, PeerUnknown } from './peer-identity';
import type { SignedMessage } from '../shared/agent-protocol';

const MAX_REQUEST_BYTES = 4096;

export class GateServer {
  private server?: Server;

  constructor(
    private readonly agent: HostAgent,
    private readonly socketPath: string,
    private readonly report: (msg: SignedMessage) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    mkdirSync(dirname(this.socketPath), { recursive: true, mode: 0o755 });
    if (existsSync(this.socketPath)) {
      if (!lstatSync(this.socketPath).isSocket()) throw new Error('gate socket path exists and is not a socket');
      unlinkSync(this.socketPath);
    }
    this.server = createServer((c) => this.serve(c));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.socketPath, () => resolve());
    });
    chmodSync(this.socketPath, 0o666); // anyone may ask; the kernel says who asked
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private serve(c: Socket): void {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const nl = buf.indexOf(0x0a);
      if (nl < 0 && buf.length <= MAX_REQUEST_BYTES) return;
      c.off('data', onData);
      if (nl < 0) return this.refuse(c, 'bad-request', 'request line too long');
      let path: unknown;
      try {
        path = (JSON.parse(buf.subarray(0, nl).toString('utf8')) as { path?: unknown }).path;
      } catch {
        return this.refuse(c, 'bad-request', 'request is not JSON');
      }
      if (typeof path !== 'string' || !path.startsWith('/')) return this.refuse(c, 'bad-request', 'path must be absolute');
      this.read(c, path);
    };
    c.on('data', onData);
    c.on('error', () => undefined);
  }

  private refuse(c: Socket, code: string, message: string): void {
    c.end(JSON.stringify({ ok: false, code, message }) + '\n');
  }

  private read(c: Socket, path: string): void {
    let who;
    try {
      who = peerIdentity(c);
    } catch (e) {
      return this.refuse(c, 'peer-unknown', e instanceof PeerUnknown ? e.message : 'could not tell who is asking');
    }
    const ctx = {
      ...this.agent.execContext(),
      onGateDecision: (d: { decision: 'allowed' | 'denied'; reason: string; datasetId: string | null; grantId: string | null }) =>
        this.report(this.agent.signGateDecision({ ...d, principal: who.user, uid: who.uid })),
    };
    let started = false;
    const frame = (chunk: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(chunk.length);
      c.write(len);
      if (chunk.length) c.write(chunk);
    };
    try {
      const r = gateRead(ctx, path, who.user, (chunk) => {
        if (!started) c.write(JSON.stringify({ ok: true }) + '\n');
        started = true;
        frame(chunk);
      });
      if (!started) c.write(JSON.stringify({ ok: true, datasetId: r.datasetId }) + '\n');
      frame(Buffer.alloc(0));
      c.end(JSON.stringify({ ok: true }) + '\n');
    } catch (e) {
      const code = e instanceof GateDenied ? e.code : 'decrypt-failed';
      const message = e instanceof GateDenied ? e.message : 'the file could not be decrypted';
      if (!started) return this.refuse(c, code, message);
      frame(Buffer.alloc(0));
      c.end(JSON.stringify({ ok: false, code }) + '\n');
    }
  }
}

/** The client side (`safeharbor-agent read`): writes the cleartext to `out`; resolves the outcome. */
export function gateClient(
  socketPath: string,
  path: string,
  out: (chunk: Buffer) => void,
  connect: (p: string) => Socket,
): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(socketPath);
    let buf = Buffer.alloc(0);
    let stage: 'header' | 'frames' | 'trailer' = 'header';
    let result: { ok: true } | { ok: false; code: string; message: string } | undefined;
    s.on('error', reject);
    s.on('connect', () => s.write(JSON.stringify({ path }) + '\n'));
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (stage === 'header' || stage === 'trailer') {
          const nl = buf.indexOf(0x0a);
          if (nl < 0) return;
          const line = JSON.parse(buf.subarray(0, nl).toString('utf8')) as { ok: boolean; code?: string; message?: string };
          buf = buf.subarray(nl + 1);
          if (!line.ok) result = { ok: false, code: line.code ?? 'error', message: line.message ?? 'refused' };
          else if (stage === 'trailer') result = { ok: true };
          if (!line.ok || stage === 'trailer') return;
          stage = 'frames';
        } else {
          if (buf.length < 4) return;
          const n = buf.readUInt32BE(0);
          if (n === 0) {
            buf = buf.subarray(4);
            stage = 'trailer';
            continue;
          }
          if (buf.length < 4 + n) return;
          out(buf.subarray(4, 4 + n));
          buf = buf.subarray(4 + n);
        }
      }
    });
    s.on('close', () => resolve(result ?? { ok: false, code: 'incomplete', message: 'the gate closed the connection early' }));
  });
}
