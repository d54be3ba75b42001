/**
 * The C2SP tlog-witness HTTP protocol (https://c2sp.org/tlog-witness): `POST <prefix>/add-checkpoint`.
 * Server: wraps a FileWitness (its own key and directory) — `safeharbor witness serve`.
 * Client: what the ledger uses to reach a witness on another machine.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AddCheckpointResult, FileWitness, WitnessEndpoint } from './file-witness';
import { AddCheckpointRequest, decodeAddCheckpoint, encodeAddCheckpoint, WitnessProtocolError } from './witness';

const MAX_BODY = 256 * 1024;

export interface WitnessServerOptions {
  /** Submission prefix, e.g. "" or "/witness". */
  prefix?: string;
  host?: string;
  port?: number;
}

export class WitnessHttpServer {
  private server: http.Server | null = null;
  constructor(
    private readonly witness: FileWitness,
    private readonly opts: WitnessServerOptions = {},
  ) {}

  get url(): string {
    const a = this.server?.address() as AddressInfo | null;
    if (!a) throw new Error('witness server is not listening');
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}${this.opts.prefix ?? ''}`;
  }

  listen(): Promise<string> {
    const prefix = this.opts.prefix ?? '';
    this.server = http.createServer((req, res) => {
      const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
        res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      };
      const url = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && url === `${prefix}/witness.vkey`) return send(200, `${this.witness.verifierKey}\n`);
      // Monitoring read (not part of tlog-witness, whose monitor API is still TBD): the latest
      // checkpoint this witness cosigned for an origin, with its cosignature.
      if (req.method === 'GET' && url === `${prefix}/checkpoint`) {
        const origin = new URL(req.url ?? '', 'http://x').searchParams.get('origin');
        if (!origin) return send(400, 'origin query parameter required\n');
        const held = this.witness.held(origin);
        return held ? send(200, held.note) : send(404, 'unknown origin\n');
      }
      if (url !== `${prefix}/add-checkpoint`) return send(404, 'not found\n');
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        return send(405, 'method not allowed\n');
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let aborted = false;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY && !aborted) {
          aborted = true;
          send(413, 'request body too large\n');
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => {
        if (aborted) return;
        let parsed: AddCheckpointRequest;
        try {
          parsed = decodeAddCheckpoint(Buffer.concat(chunks).toString('utf8'));
        } catch (e) {
          if (e instanceof WitnessProtocolError) return send(400, `${e.message}\n`);
          return send(500, 'internal error\n');
        }
        let r: AddCheckpointResult;
        try {
          r = this.witness.addCheckpointSync(parsed);
        } catch {
          return send(500, 'internal error\n');
        }
        if (r.status === 200) return send(200, r.cosignatures);
        if (r.status === 409 && r.heldSize !== undefined) return send(409, `${r.heldSize}\n`, 'text/x.tlog.size');
        return send(r.status, `${r.message}\n`);
      });
    });
    this.server.keepAliveTimeout = 30_000;
    return new Promise((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve(this.url));
    });
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return Promise.resolve();
    s.closeAllConnections?.();
    return new Promise((resolve) => s.close(() => resolve()));
  }
}

export class HttpWitnessClient implements WitnessEndpoint {
  /** The latest checkpoint note the witness cosigned for `origin` (null if none), or throws when unreachable. */
  async latest(origin: string): Promise<string | null> {
    const res = await fetch(`${this.url.replace(/\/$/, '')}/checkpoint?origin=${encodeURIComponent(origin)}`, {
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (res.status === 404) return null;
    if (res.status !== 200) throw new Error(`witness ${this.name}: HTTP ${res.status}`);
    return res.text();
  }

  constructor(
    readonly name: string,
    readonly verifierKey: string,
    /** The submission prefix URL, e.g. https://witness.example/ (add-checkpoint is appended). */
    private readonly url: string,
    private readonly timeoutMs = 5_000,
  ) {}

  async addCheckpoint(req: AddCheckpointRequest): Promise<AddCheckpointResult> {
    let res: Response;
    try {
      res = await fetch(`${this.url.replace(/\/$/, '')}/add-checkpoint`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: encodeAddCheckpoint(req),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      return { status: 503, message: `witness ${this.name} unreachable: ${(e as Error).message}` };
    }
    const body = await res.text().catch(() => '');
    if (res.status === 200) return { status: 200, cosignatures: body };
    if (res.status === 409) {
      const ct = res.headers.get('content-type') ?? '';
      const m = /^(0|[1-9][0-9]*)\n$/.exec(body);
      return {
        status: 409,
        message: `witness ${this.name}: conflict`,
        heldSize: ct.startsWith('text/x.tlog.size') && m ? Number(m[1]) : undefined,
      };
    }
    const status = [400, 403, 404, 422].includes(res.status) ? (res.status as 400 | 403 | 404 | 422) : 503;
    return { status, message: `witness ${this.name}: HTTP ${res.status} ${body.trim().slice(0, 200)}` };
  }
}
