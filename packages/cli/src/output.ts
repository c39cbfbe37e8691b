/**
 * stdout carries results only (a table, a line, or one JSON document under --json); prompts, notices,
 * warnings and errors go to stderr, so `hangar … --json | jq` always works.
 */

export interface Output {
  readonly json: boolean;
  /** stdout is a terminal: relative times; otherwise ISO-8601. */
  readonly isTTY: boolean;
  /** The command's result: `value` as JSON under --json, else what `human` renders. */
  result<T>(value: T, human: (value: T) => string): void;
  /** A notice on stderr (e.g. "No organizations found."), shown in human mode only. */
  notice(message: string): void;
  /** A warning on stderr, in every mode. */
  warn(message: string): void;
  /** A timestamp for humans. */
  time(date: Date | undefined): string;
}

export interface OutputOptions {
  readonly json: boolean;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream;
  readonly now: () => Date;
}

export function createOutput({ json, stdout, stderr, now }: OutputOptions): Output {
  const isTTY = stdout.isTTY === true;
  return {
    json,
    isTTY,
    result(value, human) {
      if (json) {
        stdout.write(JSON.stringify(value, null, 2) + '\n');
        return;
      }
      const text = human(value);
      if (text !== '') stdout.write(text.endsWith('\n') ? text : text + '\n');
    },
    notice(message) {
      if (!json) stderr.write(message + '\n');
    },
    warn(message) {
      stderr.write(`warning: ${message}\n`);
    },
    time(date) {
      if (date === undefined) return '-';
      return isTTY ? relativeTime(date, now()) : date.toISOString();
    },
  };
}

/** Columns separated by two spaces, padded to the widest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], indent = ''): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Label/value pairs, aligned: for showing one object. */
export function details(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${(k + ':').padEnd(width + 1)}  ${v}`).join('\n');
}

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

const rtf = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

export function relativeTime(date: Date, now: Date): string {
  const seconds = (date.getTime() - now.getTime()) / 1000;
  if (Math.abs(seconds) < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return rtf.format(Math.round(seconds / size), unit);
  }
  return rtf.format(Math.round(seconds / 60), 'minute');
}
