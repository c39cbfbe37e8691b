/**
 * A progress bar for long work (log downloads), on stderr and only when stderr is a terminal: piped or
 * redirected, and under --json, it draws nothing, so logs and scripts never see it.
 */

export interface Progress {
  /** Starts the bar; `total` undefined when the amount is not known in advance (a counter is shown). */
  start(total: number | undefined): void;
  /** `n` more units done. */
  advance(n: number): void;
  /** Clears the bar. */
  done(): void;
}

export interface ProgressOptions {
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** False under --json, and wherever the caller wants no bar. */
  readonly enabled: boolean;
  /** What is counted, e.g. "entries". */
  readonly unit: string;
  /** Shown before the bar, e.g. "Downloading logs". */
  readonly label: string;
  /** Bytes are shown in KiB/MiB/GiB, with the rate and the time left. */
  readonly bytes?: boolean;
  /** More to show after the bar, e.g. "12/40 files" beside the bytes of an export. */
  readonly detail?: () => string;
  readonly now?: () => number;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit] ?? ''}`;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const whole = Math.ceil(s);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

const NO_PROGRESS: Progress = { start: () => undefined, advance: () => undefined, done: () => undefined };

/** Redraws at most this often, so a fast download is not slowed by its own bar. */
const REDRAW_MS = 100;
const BAR_WIDTH = 30;

export function createProgress({ stderr, enabled, unit, label, bytes = false, detail, now = Date.now }: ProgressOptions): Progress {
  if (!enabled || stderr.isTTY !== true) return NO_PROGRESS;
  let total: number | undefined;
  let count = 0;
  let startedAt = now();
  let drawnAt = -Infinity;
  let shown = false;

  const draw = (force: boolean) => {
    const at = now();
    if (!force && at - drawnAt < REDRAW_MS) return;
    drawnAt = at;
    let text: string;
    if (total === undefined || total <= 0) {
      text = `${label}: ${count} ${unit}`;
    } else {
      const ratio = Math.min(1, count / total);
      const filled = Math.round(ratio * BAR_WIDTH);
      const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
      if (bytes) {
        const rate = count / Math.max(0.001, (at - startedAt) / 1000);
        text = `${label} ${bar} ${formatBytes(count)}/${formatBytes(total)} ${formatBytes(Math.round(rate))}/s ETA ${formatSeconds((total - count) / rate)}`;
      } else {
        text = `${label} ${bar} ${count}/${total} ${unit}`;
      }
    }
    if (detail !== undefined) text += ` ${detail()}`;
    const width = stderr.columns;
    if (width !== undefined && width > 1 && text.length >= width) text = text.slice(0, width - 1);
    // \r and "erase to end of line": the bar redraws in place.
    stderr.write(`\r${text}\x1b[K`);
    shown = true;
  };

  return {
    start(n) {
      total = n;
      count = 0;
      startedAt = now();
      draw(true);
    },
    advance(n) {
      count += n;
      draw(false);
    },
    done() {
      if (shown) stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}
