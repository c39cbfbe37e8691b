import type { Command } from 'commander';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { RESTART_EXIT_STATUS } from '../agent/agent.js';
import type { Ctx } from '../context.js';
import { CliError, EXIT } from '../errors.js';

/** Where the agent keeps its cache and spool: the system's place when root, the user's home otherwise. */
function defaultDataDir(): string {
  return process.getuid?.() === 0 ? '/var/lib/hangar-agent' : join(homedir(), '.hangar', 'agent');
}

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('agent')
    .description('run on a machine: fetch its config, supervise its processes, ship its logs, restart when told')
    .option(
      '--config <file>',
      "the machine's cloud file, as hangar robots part setup writes it (env HANGAR_AGENT_CONFIG)",
      process.env.HANGAR_AGENT_CONFIG ?? '/etc/viam.json',
    )
    .option(
      '--data-dir <dir>',
      'where the last good config and the offline log spool are kept (default /var/lib/hangar-agent as root, else ~/.hangar/agent)',
    )
    .option('--config-poll-seconds <seconds>', 'how often to fetch the config', '10')
    .option(
      '--forward <url>',
      'a local viam-server (e.g. http://127.0.0.1:8080, its plaintext gRPC port) that remote calls the agent does not serve itself go to',
    )
    .option(
      '--exit-on-restart',
      `when the part is marked for restart, exit with status ${RESTART_EXIT_STATUS} for systemd to restart the agent, instead of restarting its processes in place`,
    )
    .addHelpText(
      'after',
      `
Exit status: 0 when stopped (SIGINT, SIGTERM), ${RESTART_EXIT_STATUS} when it exits to be restarted (--exit-on-restart), 2 for a bad cloud file.

Examples:
  hangar robots part setup --robot rover --part rover-main --output rover.json
  hangar agent --config rover.json --data-dir ./rover-agent`,
    )
    .action(
      async (
        opts: { config: string; dataDir?: string; configPollSeconds: string; exitOnRestart?: boolean; forward?: string },
        c: Command,
      ) => {
        const inv = ctx.invocation(c);
        const forward = opts.forward === undefined ? undefined : forwardUrl(opts.forward);
        const pollSeconds = Number(opts.configPollSeconds);
        if (!Number.isFinite(pollSeconds) || pollSeconds < 0.2 || pollSeconds > 3600) {
          throw new CliError(
            `--config-poll-seconds must be a number of seconds from 0.2 to 3600, got ${JSON.stringify(opts.configPollSeconds)}`,
            {
              exitCode: EXIT.usage,
              code: 'USAGE',
            },
          );
        }
        // The agent stops its processes and sends its last logs on SIGINT/SIGTERM itself.
        ctx.releaseInterrupt();
        const stop = new AbortController();
        // A second signal does not wait for the processes and the last logs: the operator means it.
        for (const sig of ['SIGINT', 'SIGTERM'] as const)
          process.on(sig, () => {
            if (!stop.signal.aborted) stop.abort();
            else process.exit(EXIT.interrupted);
          });
        const { runAgent } = await import('../agent/agent.js');
        const status = await runAgent(
          {
            configPath: resolve(opts.config),
            dataDir: resolve(opts.dataDir ?? defaultDataDir()),
            configPollMs: Math.round(pollSeconds * 1000),
            exitOnRestart: opts.exitOnRestart === true,
            forward,
            version: ctx.version,
            print: (line) => process.stderr.write(`${line}\n`),
          },
          stop.signal,
        );
        inv.log(`agent stopped with status ${status}`);
        process.exitCode = status;
      },
    );
}

function forwardUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`--forward must be an http:// or https:// URL of the local viam-server, got ${JSON.stringify(raw)}`, {
      exitCode: EXIT.usage,
      code: 'USAGE',
      hint: 'e.g. --forward http://127.0.0.1:8080',
    });
  }
  return url.origin;
}
