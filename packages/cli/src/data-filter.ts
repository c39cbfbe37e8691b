/**
 * The seed-era CLI's data filter from flags (rdk cli/data.go createDataFilter): each flag the Filter
 * field of the same name, lists split on commas, `--tags tagged|untagged` or a list matched by OR, and
 * `--start/--end` as RFC 3339 instants.
 */
import type { Command } from 'commander';
import { usageError } from './errors.js';

export const FILTER_FLAGS = [
  ['--org-ids <ids>', 'filter by organization ids (comma-separated)'],
  ['--location-ids <ids>', 'filter by location ids (comma-separated)'],
  ['--robot-id <id>', 'filter by machine id'],
  ['--robot-name <name>', 'filter by machine name'],
  ['--part-id <id>', 'filter by machine part id'],
  ['--part-name <name>', 'filter by machine part name'],
  ['--component-type <type>', 'filter by component type'],
  ['--component-name <name>', 'filter by component name'],
  ['--component-model <model>', 'not supported: component models are no longer recorded with data'],
  ['--method <method>', 'filter by method'],
  ['--mime-types <types>', 'filter by MIME types (comma-separated)'],
  ['--tags <tags>', 'filter by tags (comma-separated, matched by OR), or "tagged" / "untagged"'],
  ['--start <time>', 'ISO-8601 (RFC 3339) start of the interval, e.g. 2024-01-01T00:00:00Z'],
  ['--end <time>', 'ISO-8601 (RFC 3339) end of the interval'],
] as const;

export function addFilterOptions(cmd: Command): Command {
  for (const [flag, description] of FILTER_FLAGS) cmd.option(flag, description);
  return cmd;
}

/** TagsFilterType numbers (viam.app.data.v1). */
const TAGS = { matchByOr: 1, tagged: 2, untagged: 3 } as const;

export interface FlagFilter {
  organizationIds: string[];
  locationIds: string[];
  robotId?: string;
  robotName?: string;
  partId?: string;
  partName?: string;
  componentType?: string;
  componentName?: string;
  method?: string;
  mimeType: string[];
  tagsFilter?: { type: number; tags: string[] };
  interval?: { start?: { seconds: bigint; nanos: number }; end?: { seconds: bigint; nanos: number } };
}

const split = (value: unknown): string[] =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '')
    : [];

/** RFC 3339 with an offset (or Z), as Go's time.Parse(time.RFC3339) takes it. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function instant(flag: 'start' | 'end', value: unknown): { seconds: bigint; nanos: number } | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : '';
  const ms = RFC3339.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms))
    throw usageError(`could not parse ${flag} flag: ${JSON.stringify(text)}`, 'give an RFC 3339 time such as 2024-01-31T08:00:00Z');
  const fraction = /\.(\d+)/.exec(text)?.[1] ?? '';
  const nanos = Number((fraction + '000000000').slice(0, 9));
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos };
}

export function filterFromFlags(opts: Record<string, unknown>): FlagFilter {
  if (opts.componentModel !== undefined) {
    throw usageError(
      '--component-model is not supported: data no longer records component models',
      'filter by --component-type or --component-name instead',
    );
  }
  const text = (key: string) => (typeof opts[key] === 'string' && opts[key] !== '' ? opts[key] : undefined);
  const filter: FlagFilter = { organizationIds: split(opts.orgIds), locationIds: split(opts.locationIds), mimeType: split(opts.mimeTypes) };
  for (const [key, field] of [
    ['robotId', 'robotId'],
    ['robotName', 'robotName'],
    ['partId', 'partId'],
    ['partName', 'partName'],
    ['componentType', 'componentType'],
    ['componentName', 'componentName'],
    ['method', 'method'],
  ] as const) {
    const value = text(key);
    if (value !== undefined) filter[field] = value;
  }
  const tags = split(opts.tags);
  if (tags.length === 1 && tags[0] === 'tagged') filter.tagsFilter = { type: TAGS.tagged, tags: [] };
  else if (tags.length === 1 && tags[0] === 'untagged') filter.tagsFilter = { type: TAGS.untagged, tags: [] };
  else if (tags.length > 0) filter.tagsFilter = { type: TAGS.matchByOr, tags };
  const start = instant('start', opts.start);
  const end = instant('end', opts.end);
  if (start !== undefined || end !== undefined) filter.interval = { ...(start && { start }), ...(end && { end }) };
  return filter;
}
