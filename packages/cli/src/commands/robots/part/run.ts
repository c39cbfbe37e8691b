import { MethodKind, type MessageType } from '@bufbuild/protobuf';
import { createClient, type Client } from '@connectrpc/connect';
import * as wire from '@hangar/wire';
import type { Command } from 'commander';
import type { Ctx } from '../../../context.js';
import { CliError, EXIT } from '../../../errors.js';
import { addMachineOptions } from '../../../machines.js';
import { describeRemoteService } from '../../../reflection-client.js';
import { relayTransport, remoteCallError, targetPartId } from '../../../remote.js';

interface MethodInfo {
  readonly name: string;
  readonly I: MessageType;
  readonly O: MessageType;
  readonly kind: MethodKind;
}
interface ServiceInfo {
  readonly typeName: string;
  readonly methods: Readonly<Record<string, MethodInfo>>;
}

/** Every service of Viam's public API Hangar has descriptors for, by its full name. */
function services(): Map<string, ServiceInfo> {
  const found = new Map<string, ServiceInfo>();
  for (const value of Object.values(wire) as unknown[]) {
    if (typeof value === 'object' && value !== null && 'typeName' in value && 'methods' in value) {
      const service = value as ServiceInfo;
      found.set(service.typeName, service);
    }
  }
  return found;
}

/** `viam.robot.v1.RobotService.ResourceNames` (or with a slash before the method) → the service's and the method's names. */
function splitMethodName(full: string): { serviceName: string; methodName: string } {
  const split = full.includes('/') ? full.lastIndexOf('/') : full.lastIndexOf('.');
  if (split <= 0) {
    throw new CliError(`${JSON.stringify(full)} is not a method name`, {
      exitCode: EXIT.usage,
      code: 'USAGE',
      hint: 'name a method as <package>.<Service>.<Method>, e.g. viam.robot.v1.RobotService.ResourceNames',
    });
  }
  return { serviceName: full.slice(0, split).replace(/^\//, ''), methodName: full.slice(split + 1) };
}

/** The method of `service` (as the machine describes it, else as the CLI knows it), if it can be called. */
function findMethod(service: ServiceInfo | undefined, serviceName: string, methodName: string): MethodInfo {
  if (service === undefined) {
    throw new CliError(`unknown service ${JSON.stringify(serviceName)}`, {
      exitCode: EXIT.usage,
      code: 'USAGE',
      hint: `the machine does not describe it by reflection, and the CLI knows ${[...services().keys()].sort().join(', ')}`,
    });
  }
  const method = Object.values(service.methods).find((m) => m.name === methodName);
  if (method === undefined) {
    throw new CliError(`${serviceName} has no method ${JSON.stringify(methodName)}`, {
      exitCode: EXIT.usage,
      code: 'USAGE',
      hint: `its methods: ${Object.values(service.methods)
        .map((m) => m.name)
        .join(', ')}`,
    });
  }
  if (method.kind !== MethodKind.Unary) {
    throw new CliError(`${serviceName}.${methodName} is a streaming method; robots part run makes unary calls`, {
      exitCode: EXIT.usage,
      code: 'USAGE',
    });
  }
  return method;
}

function parseInterval(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(raw);
  const ms = match === null ? NaN : Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
  if (!Number.isFinite(ms) || ms < 10) {
    throw new CliError(`--stream must be an interval such as 500ms, 2s or 1m (at least 10ms), got ${JSON.stringify(raw)}`, {
      exitCode: EXIT.usage,
      code: 'USAGE',
    });
  }
  return ms;
}

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('run')
    .description("call a method of the machine's API through the server, e.g. viam.robot.v1.RobotService.ResourceNames")
    .argument('<method>', 'the method: <package>.<Service>.<Method>');
  addMachineOptions(cmd);
  return cmd
    .option('--part <part>', 'the part to call (name or id; default: the main part)')
    .option('--part-id <id>', 'the part to call, by id')
    .option('--data <json>', 'the request as JSON (protobuf JSON, either field-name spelling)', '{}')
    .option('--stream <interval>', 'call again every interval (e.g. 500ms) until Ctrl-C')
    .addHelpText(
      'after',
      `
The request is encoded with the method's descriptor as the machine describes it by gRPC reflection (hangar agent,
or the viam-server it forwards to), else as the CLI knows it (Viam's app services, viam.robot.v1.RobotService).

Examples:
  hangar robots part run --robot rover viam.robot.v1.RobotService.ResourceNames
  hangar robots part run --robot rover --part rover-main --data '{}' --stream 1s viam.robot.v1.RobotService.GetMachineStatus`,
    )
    .action(async (methodName: string, opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const { serviceName, methodName: name } = splitMethodName(methodName);
      const interval = typeof opts.stream === 'string' ? parseInterval(opts.stream) : undefined;
      const client = await inv.client();
      const partId = await targetPartId(client, opts);
      const session = await inv.session();
      // The machine's own description first (it may run newer APIs or modules), else the CLI's descriptors.
      // Reflection is a bidirectional stream, which some HTTP/1.1-only proxies cannot carry: when it fails for
      // a service the CLI knows, the CLI's descriptors do, and the call itself says what is wrong.
      const known = services().get(serviceName);
      const described = await describeRemoteService(relayTransport(session, partId, 'bidi'), serviceName).catch((err: unknown) => {
        inv.log(`reflection on part ${partId} failed: ${String(err)}`);
        if (known === undefined) throw remoteCallError(err, `describing ${serviceName}`, partId);
        return undefined;
      });
      const service = described ?? known;
      const method = findMethod(service, serviceName, name);
      let request: InstanceType<MessageType>;
      try {
        request = method.I.fromJsonString(String(opts.data), { ignoreUnknownFields: false });
      } catch (err) {
        throw new CliError(`--data does not fit ${method.I.typeName}: ${(err as Error).message}`, { exitCode: EXIT.usage, code: 'USAGE' });
      }
      const remote = createClient(
        { typeName: serviceName, methods: { call: method } },
        relayTransport(session, partId, 'unary'),
      ) as Client<{
        typeName: string;
        methods: { call: { name: string; I: MessageType; O: MessageType; kind: MethodKind.Unary } };
      }>;
      const once = async () => {
        try {
          const reply = await remote.call(request);
          inv.out.result(reply.toJson() as object, (r) => JSON.stringify(r, null, 2));
        } catch (err) {
          throw remoteCallError(err, `${serviceName}/${method.name}`, partId);
        }
      };
      if (interval === undefined) {
        await once();
        return;
      }
      const interrupted = { now: false };
      ctx.onInterrupt(() => {
        interrupted.now = true;
      });
      while (!interrupted.now) {
        await once();
        await new Promise((r) => setTimeout(r, interval));
      }
    });
}
