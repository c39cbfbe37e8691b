/**
 * `hangar robots part shell`: a shell on the machine through the server. On a terminal it is interactive
 * (raw mode, the window size sent at start and on every SIGWINCH); with stdin not a terminal it pipes
 * stdin to a shell without a terminal, so it can be scripted. It exits with the remote shell's status.
 */
import { Struct } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { EXIT_STATUS_TRAILER, MachineRobotService, SHELL_API, ShellRequest, ShellService, type ShellResponse } from '@hangar/wire';
import type { Command } from 'commander';
import { StringDecoder } from 'node:string_decoder';
import type { Ctx } from '../../../context.js';
import { CliError } from '../../../errors.js';
import { asyncQueue } from '../../../async-queue.js';
import { addMachineOptions } from '../../../machines.js';
import { relayTransport, remoteCallError, targetPartId } from '../../../remote.js';

const windowChange = (stdout: NodeJS.WriteStream) => ({ message: 'window-change', cols: stdout.columns || 80, rows: stdout.rows || 24 });

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent.command('shell').description('open a shell on a machine part through the server (its config needs a shell service)');
  addMachineOptions(cmd);
  return cmd
    .option('--part <part>', 'the part (name or id; default: the main part)')
    .option('--part-id <id>', 'the part, by id')
    .addHelpText(
      'after',
      `
The part's config must have a service of API ${SHELL_API}, e.g. {"name": "shell", "api": "${SHELL_API}", "model": "rdk:builtin:builtin"}.
Exit status: the remote shell's. With stdin not a terminal, stdin is piped to a shell without a terminal;
with --json the output is collected and printed as {partId, exitStatus, stdout, stderr}.

Examples:
  hangar robots part shell --robot rover
  printf 'uname -a\\nexit\\n' | hangar robots part shell --robot rover --part rover-main`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const client = await inv.client();
      const partId = await targetPartId(client, opts);
      const session = await inv.session();

      const machine = createClient(MachineRobotService, relayTransport(session, partId, 'unary'));
      const names = await machine.resourceNames({}).catch((err: unknown) => {
        throw remoteCallError(err, 'listing its resources', partId);
      });
      const shellService = names.resources.find((r) => `${r.namespace}:${r.type}:${r.subtype}` === SHELL_API);
      if (shellService === undefined) {
        throw new CliError('shell service is not enabled on this machine part', {
          code: 'FAILED_PRECONDITION',
          hint: `add {"name": "shell", "api": "${SHELL_API}", "model": "rdk:builtin:builtin"} to the part's services (hangar robots part config set), then try again`,
        });
      }

      const interactive = ctx.stdin.isTTY && ctx.stdout.isTTY && !inv.json;
      const requests = asyncQueue<ShellRequest>();
      const name = shellService.name;
      requests.push(
        new ShellRequest({
          name,
          extra: Struct.fromJson(interactive ? { messages: [windowChange(ctx.stdout)] } : { tty: false }),
        }),
      );
      const decoder = new StringDecoder('utf8');
      const onData = (chunk: Buffer | string) => {
        const dataIn = typeof chunk === 'string' ? chunk : decoder.write(chunk);
        if (dataIn !== '') requests.push(new ShellRequest({ name, dataIn }));
      };
      const onEnd = () => requests.end();
      const onResize = () => requests.push(new ShellRequest({ name, extra: Struct.fromJson(windowChange(ctx.stdout)) }));
      const abort = new AbortController();
      let releaseInterrupt: (() => void) | undefined;
      if (interactive) {
        // ^C and ^D are keystrokes for the remote shell now, not signals for this process.
        ctx.stdin.setRawMode(true);
        process.on('SIGWINCH', onResize);
      } else {
        releaseInterrupt = ctx.onInterrupt(() => abort.abort());
      }
      ctx.stdin.on('data', onData);
      ctx.stdin.once('end', onEnd);
      ctx.stdin.resume();

      let exitStatus: number | undefined;
      const collected = { stdout: '', stderr: '' };
      const write = (reply: ShellResponse) => {
        if (inv.json) {
          collected.stdout += reply.dataOut;
          collected.stderr += reply.dataErr;
          return;
        }
        if (reply.dataOut !== '') ctx.stdout.write(reply.dataOut);
        if (reply.dataErr !== '') ctx.stderr.write(reply.dataErr);
      };
      try {
        const shell = createClient(ShellService, relayTransport(session, partId, 'bidi'));
        for await (const reply of shell.shell(requests, {
          signal: abort.signal,
          onTrailer: (trailers) => {
            const raw = trailers.get(EXIT_STATUS_TRAILER);
            if (raw !== null && /^\d+$/.test(raw)) exitStatus = Number(raw);
          },
        })) {
          // The stream goes on past eof to its trailers, which carry the exit status.
          write(reply);
        }
      } catch (err) {
        if (!abort.signal.aborted) throw remoteCallError(err, 'the shell', partId);
      } finally {
        ctx.stdin.off('data', onData);
        ctx.stdin.off('end', onEnd);
        ctx.stdin.pause();
        if (interactive) {
          ctx.stdin.setRawMode(false);
          process.off('SIGWINCH', onResize);
        }
        releaseInterrupt?.();
        requests.end();
      }
      if (abort.signal.aborted) {
        process.exitCode = 130;
        return;
      }
      // A stream that ended without the trailer (a viam-server's shell) succeeded as far as we can tell.
      const status = exitStatus ?? 0;
      if (inv.json) inv.out.result({ partId, exitStatus: status, ...collected }, () => '');
      process.exitCode = status;
    });
}
