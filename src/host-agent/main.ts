#!/usr/bin/env node
/**
 * safeharbor-agent: runs on a PHI server, executes signed commands from Safe Harbor.
 *   init        generate the agent's Ed25519 and X25519 keys and its state dir
 *   enroll      post {token, publicKey, sealPublicKey, hostFacts} to the service over HTTPS
 *   pin-service / pin-approver / allow / deny   local trust and allow-list (root only)
 *   run         consume this agent's command queue
 *   handle      one signed command from stdin → signed result on stdout (offline use)
 *   read PATH --as PRINCIPAL   the decrypt gate
 *   status      last seq, datasets, allow-list (no key material)
 * Exit codes: 0 ok, 1 error, 2 bad input, 3 access denied.
 */
import { Command, CommanderError } from 'commander';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { SystemClock } from './clock';
import { ACTIONS, principalSchema, type Action } from '../shared/agent-protocol';
import { HostAgent } from './agent';
import { GateDenied } from './decrypt-gate';
import { AgentState, withAllowed, withApprover, withServiceKey, type AgentConfig } from './state';
import { canonicalRoot } from './allowed-roots';
import { AgentTransport } from './transport';
import { GateServer, gateClient } from './gate-server';
import { connect } from 'node:net';

const DEFAULT_GATE_SOCKET = '/run/safeharbor-agent/gate.sock';

class UsageError extends Error {}

function stateDir(opts: { state?: string }): string {
  return opts.state ?? process.env.SAFEHARBOR_AGENT_STATE ?? '/var/lib/safeharbor-agent';
}

function openState(opts: { state?: string }): AgentState {
  const dir = stateDir(opts);
  if (!existsSync(`${dir}/config.json`)) throw new UsageError(`--state: no agent state in ${dir} (run init first)`);
  return new AgentState(dir);
}

function action(name: string): Action {
  if (!(ACTIONS as readonly string[]).includes(name)) throw new UsageError(`action: must be one of ${ACTIONS.join(', ')}`);
  return name as Action;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function rootArg(dir: string): string {
  try {
    return canonicalRoot(dir);
  } catch (e) {
    throw new UsageError(
      `--allowed-root ${dir}: ${(e as Error).message.includes('not a directory') ? 'not a directory' : 'does not exist'}`,
    );
  }
}

export function buildProgram(): Command {
  const program = new Command('safeharbor-agent').description('Safe Harbor host agent').exitOverride();
  const stateOpt = (c: Command) =>
    c.option('--state <dir>', 'agent state directory (default $SAFEHARBOR_AGENT_STATE or /var/lib/safeharbor-agent)');

  stateOpt(program.command('init'))
    .requiredOption('--agent-id <id>', 'agent id (lower-case)')
    .option('--host-root <dir>', 'root of the file system host.scan inspects', '/')
    .option('--allowed-root <dir...>', 'folder under which dataset actions may act (repeatable); none means the agent acts on no dataset')
    .action((o) => {
      if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(o.agentId)) throw new UsageError('--agent-id: must be a lower-case id (a-z, 0-9, -)');
      const allowedRoots = ((o.allowedRoot as string[] | undefined) ?? []).map(rootArg);
      const s = AgentState.init(stateDir(o), o.agentId, {
        ...(o.hostRoot !== '/' ? { hostRoot: o.hostRoot } : {}),
        allowedRoots,
      });
      process.stdout.write(JSON.stringify({ agentId: o.agentId, ...s.publicInfo() }, null, 2) + '\n');
    });

  stateOpt(program.command('enroll'))
    .requiredOption('--service <url>', 'Safe Harbor base URL')
    .requiredOption('--token <token>', 'single-use enrollment token from a security officer')
    .action(async (o) => {
      const s = openState(o);
      const pub = s.publicInfo();
      const res = await fetch(new URL('/v1/agents/enrollments', o.service), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          token: o.token,
          agentId: s.config().agentId,
          publicKey: pub.signingPublicKey,
          sealPublicKey: pub.sealPublicKey,
          hostFacts: { hostname: hostname(), platform: process.platform, arch: process.arch, node: process.version },
        }),
      });
      const body = (await res.json().catch(() => ({}))) as { servicePublicKey?: string; status?: string; detail?: string };
      if (!res.ok || !body.servicePublicKey) throw new Error(`enrollment refused (${res.status}): ${body.detail ?? 'no detail'}`);
      const kid = s.pinService(body.servicePublicKey);
      const c = s.config();
      c.serviceUrl = o.service;
      s.writeConfig(c);
      process.stdout.write(JSON.stringify({ status: body.status ?? 'pending-approval', servicekid: kid }) + '\n');
    });

  // Before enrollment these set trust directly (like pinning a host key); once a service key is
  // pinned they only print the agent.trust change for officers to submit, sign and approve.
  const changeTrust = (o: { state?: string }, change: (c: AgentConfig) => AgentConfig, shown: (c: AgentConfig) => unknown) => {
    const s = openState(o);
    const c = s.config();
    const next = change(c);
    if (c.serviceKeys.length === 0) {
      s.writeConfig(next);
      process.stdout.write(JSON.stringify(shown(next)) + '\n');
      return;
    }
    const params = {
      allowList: next.allowList.filter((a) => a !== 'agent.trust'),
      approvers: next.approvers,
      serviceKeys: next.serviceKeys,
    };
    process.stdout.write(
      JSON.stringify(
        {
          proposed: true,
          applied: false,
          detail:
            'this agent is enrolled: its trust settings change only by an agent.trust command signed by the service and approved by two pinned officers',
          submit: `POST /v1/agents/${c.agentId}/trust with this body, then two officers approve the command`,
          body: params,
        },
        null,
        2,
      ) + '\n',
    );
  };

  stateOpt(program.command('pin-service'))
    .requiredOption('--public-key <b64>', 'service command-signing key (SPKI DER, base64)')
    .action((o) => {
      let kid = '';
      changeTrust(
        o,
        (c) => {
          const r = withServiceKey(c, o.publicKey);
          kid = r.kid;
          return r.config;
        },
        () => ({ kid }),
      );
    });

  stateOpt(program.command('pin-approver'))
    .requiredOption('--id <principal>', 'officer principal id')
    .requiredOption('--public-key <b64>', 'officer approval key (SPKI DER, base64)')
    .action((o) => {
      if (!principalSchema.safeParse(o.id).success) throw new UsageError('--id: must be one named principal');
      let kid = '';
      changeTrust(
        o,
        (c) => {
          const r = withApprover(c, o.id, o.publicKey);
          kid = r.kid;
          return r.config;
        },
        () => ({ kid }),
      );
    });

  stateOpt(program.command('allow').argument('<action>')).action((a, o) => {
    changeTrust(
      o,
      (c) => withAllowed(c, action(a), true),
      (c) => ({ allowList: c.allowList }),
    );
  });
  stateOpt(program.command('allow-root').argument('<dir>'))
    .description('add an allowed root (only before enrollment: afterwards trust changes come signed from the service)')
    .action((d, o) => {
      const s = openState(o);
      const c = s.config();
      if (c.serviceKeys.length > 0)
        throw new UsageError(
          'allow-root: this agent is enrolled; allowed roots change only before enrollment (re-initialize to change them)',
        );
      c.allowedRoots = [...new Set([...c.allowedRoots, rootArg(d)])].sort();
      s.writeConfig(c);
      process.stdout.write(JSON.stringify({ allowedRoots: c.allowedRoots }) + '\n');
    });
  stateOpt(program.command('deny').argument('<action>')).action((a, o) => {
    changeTrust(
      o,
      (c) => withAllowed(c, action(a), false),
      (c) => ({ allowList: c.allowList }),
    );
  });

  stateOpt(program.command('status')).action((o) => {
    const s = openState(o);
    const c = s.config();
    process.stdout.write(
      JSON.stringify(
        {
          agentId: c.agentId,
          kid: s.publicInfo().kid,
          lastSeq: s.lastSeq(),
          allowList: c.allowList,
          allowedRoots: c.allowedRoots,
          serviceKeys: c.serviceKeys.map((k) => k.kid),
          approvers: Object.keys(c.approvers),
          datasets: s.datasets().map((d) => ({ datasetId: d.datasetId, keyId: d.keyId, keyVersion: d.keyVersion, status: d.status })),
        },
        null,
        2,
      ) + '\n',
    );
  });

  stateOpt(program.command('handle'))
    .description('read one signed command (JSON) from stdin, print the signed result')
    .action(async (o) => {
      const agent = new HostAgent(openState(o), new SystemClock());
      let msg: unknown;
      try {
        msg = JSON.parse(await readStdin());
      } catch {
        msg = null;
      }
      process.stdout.write(JSON.stringify(agent.handle(msg)) + '\n');
    });

  stateOpt(program.command('run'))
    .option('--redis <url>', 'Redis URL', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
    .option('--prefix <prefix>', 'BullMQ key prefix')
    .option('--heartbeat <seconds>', 'heartbeat interval', '30')
    .option('--gate-socket <path>', 'serve the decrypt gate on this Unix socket (e.g. ' + DEFAULT_GATE_SOCKET + ')')
    .action(async (o) => {
      const s = openState(o);
      const c = s.config();
      if (c.serviceKeys.length === 0) throw new UsageError('--state: no service key pinned (enroll or pin-service first)');
      const agent = new HostAgent(s, new SystemClock());
      const t = new AgentTransport(agent, {
        redisUrl: o.redis,
        prefix: o.prefix ?? c.queuePrefix,
        heartbeatSeconds: Number(o.heartbeat),
        log: (l) => process.stderr.write(JSON.stringify({ at: new Date().toISOString(), agentId: c.agentId, ...l }) + '\n'),
      });
      await t.start();
      const gate = o.gateSocket ? new GateServer(agent, o.gateSocket, (m) => void t.report(m).catch(() => undefined)) : null;
      await gate?.start();
      process.stderr.write(JSON.stringify({ msg: 'agent running', agentId: c.agentId, gate: Boolean(gate) }) + '\n');
      const stop = () => void (gate?.stop() ?? Promise.resolve()).then(() => t.stop()).then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });

  program
    .command('read')
    .argument('<path>', 'absolute path of an encrypted file in a protected dataset')
    .option('--socket <path>', "the running agent's decrypt-gate socket", DEFAULT_GATE_SOCKET)
    .description('print the cleartext of one file, if the account running this command holds an active grant')
    .action(async (path: string, o: { socket: string }) => {
      if (!path.startsWith('/')) throw new UsageError('<path>: must be absolute');
      const out = await gateClient(
        o.socket,
        path,
        (chunk) => process.stdout.write(chunk),
        (p) => connect(p),
      );
      if (!out.ok) throw new GateDenied(out.code, out.message);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError) {
      process.stderr.write(`safeharbor-agent: ${e.message}\n`);
      return 2;
    }
    if (e instanceof GateDenied) {
      process.stderr.write(`safeharbor-agent: access denied: ${e.message}\n`);
      return 3;
    }
    process.stderr.write(`safeharbor-agent: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    if (code !== 0 || !process.argv.includes('run')) process.exitCode = code;
  });
}
