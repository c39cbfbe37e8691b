/** Questions on a terminal. Prompts are written to stderr so stdout stays clean for results. */
import { createInterface } from 'node:readline/promises';
import { CliError, Interrupted, usageError } from './errors.js';

export interface Terminal {
  readonly stdin: NodeJS.ReadStream;
  readonly stderr: NodeJS.WriteStream;
}

/** True when we can ask: both the keyboard and the screen are a terminal. */
export function canPrompt({ stdin, stderr }: Terminal): boolean {
  return stdin.isTTY && stderr.isTTY;
}

export async function ask(term: Terminal, question: string): Promise<string> {
  const rl = createInterface({ input: term.stdin, output: term.stderr, terminal: true });
  const controller = new AbortController();
  rl.once('SIGINT', () => controller.abort());
  try {
    return (await rl.question(question, { signal: controller.signal })).trim();
  } catch (err) {
    if (controller.signal.aborted) throw new Interrupted();
    throw err;
  } finally {
    rl.close();
  }
}

export async function confirm(term: Terminal, question: string): Promise<boolean> {
  const answer = await ask(term, `${question} [y/N] `);
  return /^y(es)?$/i.test(answer);
}

/** The verb of a destructive command, for confirmDeletion's messages. */
export interface DestructiveVerb {
  /** "delete", "remove". */
  readonly verb: string;
  /** "deleted", "removed". */
  readonly done: string;
}

export const DELETE: DestructiveVerb = { verb: 'delete', done: 'deleted' };
export const REMOVE: DestructiveVerb = { verb: 'remove', done: 'removed' };

/**
 * Before deleting: nothing to ask with --yes; otherwise ask on a terminal, and refuse (exit 2) when there
 * is none to ask on, so a script never deletes by accident.
 */
export async function confirmDeletion(
  term: Terminal,
  yes: boolean,
  what: string,
  question: string,
  { verb, done }: DestructiveVerb = DELETE,
): Promise<void> {
  if (yes) return;
  if (!canPrompt(term)) throw usageError(`refusing to ${verb} ${what} without confirmation`, 'pass --yes to confirm');
  if (!(await confirm(term, question))) {
    throw new CliError(`not ${done}: you did not confirm`, { code: 'CANCELLED', hint: `answer "y" to ${verb}, or pass --yes` });
  }
}

/** Reads a line without echoing it; Ctrl-C interrupts, Backspace edits. */
export function askHidden(term: Terminal, question: string): Promise<string> {
  const { stdin, stderr } = term;
  return new Promise((resolve, reject) => {
    let value = '';
    const wasRaw = stdin.isRaw;
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stderr.write('\n');
      if (err === undefined) resolve(value);
      else reject(err);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString('utf8')) {
        switch (ch) {
          case '\r':
          case '\n':
            finish();
            return;
          case '\u0003': // Ctrl-C
            finish(new Interrupted());
            return;
          case '\u0004': // Ctrl-D
            if (value === '') {
              finish(new Interrupted());
              return;
            }
            break;
          case '\u007f':
          case '\b':
            value = withoutLastCharacter(value);
            break;
          default:
            if (ch >= ' ') value += ch;
        }
      }
    };
    // Raw mode first: typed-ahead input that arrives right after the prompt must not be echoed.
    stdin.setRawMode(true);
    stderr.write(question);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** Backspace removes what the user sees as one character, even if it is several code points. */
function withoutLastCharacter(value: string): string {
  const segments = Array.from(new Intl.Segmenter().segment(value));
  const last = segments.at(-1);
  return last === undefined ? value : value.slice(0, last.index);
}

/** All of stdin (for --password-stdin), without one trailing newline. */
export async function readAllStdin(stdin: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
