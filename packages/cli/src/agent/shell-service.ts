/**
 * viam.service.shell.v1.ShellService/Shell on the agent, offered when the config has a service of API
 * `rdk:service:shell` (as viam-server requires). The first request names the service and may carry the
 * window size (`extra.messages: [{message: "window-change", cols, rows}]`, as Viam's CLI sends it); later
 * ones carry keystrokes and resizes (`extra: {message: "window-change", cols, rows}`). `extra.tty: false`
 * asks for a shell without a terminal, for scripts. The reply stream carries the output and ends with
 * `eof`, and its trailers the shell's exit status (EXIT_STATUS_TRAILER).
 */
import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext } from '@connectrpc/connect';
import { EXIT_STATUS_TRAILER, ShellResponse, type ShellRequest } from '@hangar/wire';
import { openShell, type ShellSession } from './shell-session.js';

interface WindowSize {
  readonly cols: number;
  readonly rows: number;
}

function sizeIn(message: JsonValue | undefined): WindowSize | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
  if (message.message !== 'window-change') return undefined;
  const cols = Number(message.cols);
  const rows = Number(message.rows);
  if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1 || cols > 1000 || rows > 1000) return undefined;
  return { cols, rows };
}

/** The last window size a request's extra carries, in either of the two shapes. */
function windowSizeOf(extra: JsonObject | undefined): WindowSize | undefined {
  if (extra === undefined) return undefined;
  const listed = Array.isArray(extra.messages) ? extra.messages.map(sizeIn).filter((s) => s !== undefined) : [];
  return sizeIn(extra) ?? listed.at(-1);
}

export interface ShellServiceOptions {
  /** Names of the shell services the running config declares. */
  readonly shellNames: () => readonly string[];
  readonly note: (level: 'info' | 'warn', message: string) => void;
}

export function shellHandler({ shellNames, note }: ShellServiceOptions) {
  return async function* shell(requests: AsyncIterable<ShellRequest>, ctx: HandlerContext): AsyncIterable<ShellResponse> {
    const input = requests[Symbol.asyncIterator]();
    const first = await input.next();
    if (first.done === true) return;
    const names = shellNames();
    const name = first.value.name;
    if (!(names.includes(name) || (name === '' && names.length > 0))) {
      throw new ConnectError(
        names.length === 0
          ? 'shell service is not enabled on this machine part: add {"name": "shell", "api": "rdk:service:shell", "model": "rdk:builtin:builtin"} to its config\'s services'
          : `no shell service named ${JSON.stringify(name)} on this machine part (it has ${names.join(', ')})`,
        Code.NotFound,
      );
    }
    const extra = first.value.extra?.toJson() as JsonObject | undefined;
    const size = windowSizeOf(extra) ?? { cols: 80, rows: 24 };
    const session: ShellSession = openShell({ tty: extra?.tty !== false, ...size });
    note('info', `shell opened for ${ctx.requestHeader.get('hangar-caller') ?? 'a local caller'}`);
    const stop = () => session.kill();
    ctx.signal.addEventListener('abort', stop);

    const feed = async () => {
      if (first.value.dataIn !== '') session.write(first.value.dataIn);
      for (let next = await input.next(); next.done !== true; next = await input.next()) {
        const resize = windowSizeOf(next.value.extra?.toJson() as JsonObject | undefined);
        if (resize !== undefined) session.resize(resize.cols, resize.rows);
        if (next.value.dataIn !== '') session.write(next.value.dataIn);
      }
      session.endInput();
    };
    // The caller going away ends its input with an error; the abort above has killed the shell by then.
    feed().catch(() => session.kill());

    try {
      for await (const chunk of session.output) yield new ShellResponse(chunk);
      const status = await session.exited;
      ctx.responseTrailer.set(EXIT_STATUS_TRAILER, String(status));
      note('info', `shell closed with status ${status}`);
      yield new ShellResponse({ eof: true });
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      session.kill();
    }
  };
}
