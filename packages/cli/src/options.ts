/**
 * Resource flags in both of the seed's spellings (`--organization` / `--org-id`, `--location` /
 * `--location-id`, `--robot` / `--robot-id`, `--part` / `--part-id`), each taking a name or an id. One
 * spelling is shown in help; the other is a hidden alias.
 */
import { Option, type Command } from 'commander';
import { usageError } from './errors.js';

interface FlagPair {
  readonly shown: string;
  readonly hidden: string;
  readonly placeholder: string;
  readonly list: string;
}

const PAIRS = {
  organization: { shown: '--organization', hidden: '--org-id', placeholder: '<org>', list: 'hangar organizations list' },
  orgId: { shown: '--org-id', hidden: '--organization', placeholder: '<org>', list: 'hangar organizations list' },
  location: { shown: '--location', hidden: '--location-id', placeholder: '<location>', list: 'hangar locations list' },
  locationId: { shown: '--location-id', hidden: '--location', placeholder: '<location>', list: 'hangar locations list' },
  parentLocation: { shown: '--parent-location', hidden: '--parent-location-id', placeholder: '<location>', list: 'hangar locations list' },
  robot: { shown: '--robot', hidden: '--robot-id', placeholder: '<robot>', list: 'hangar robots list' },
  robotId: { shown: '--robot-id', hidden: '--robot', placeholder: '<robot>', list: 'hangar robots list' },
  part: { shown: '--part', hidden: '--part-id', placeholder: '<part>', list: 'hangar robots status --robot <robot>' },
} as const satisfies Record<string, FlagPair>;

export type FlagName = keyof typeof PAIRS;

export function addResourceOption(cmd: Command, which: FlagName, description: string): Command {
  const pair: FlagPair = PAIRS[which];
  return cmd
    .addOption(new Option(`${pair.shown} ${pair.placeholder}`, `${description} (name or id; alias ${pair.hidden})`))
    .addOption(new Option(`${pair.hidden} ${pair.placeholder}`).hideHelp());
}

function attributeOf(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The value of either spelling; a usage error if both are given with different values. */
export function resourceValue(opts: Record<string, unknown>, which: FlagName): string | undefined {
  const pair: FlagPair = PAIRS[which];
  const a = opts[attributeOf(pair.shown)];
  const b = opts[attributeOf(pair.hidden)];
  const shown = typeof a === 'string' ? a : undefined;
  const hidden = typeof b === 'string' ? b : undefined;
  if (shown !== undefined && hidden !== undefined && shown !== hidden) {
    throw usageError(`${pair.shown} and ${pair.hidden} name the same thing; got both, with different values`, `pass only ${pair.shown}`);
  }
  const value = shown ?? hidden;
  if (value?.trim() === '') throw usageError(`${pair.shown} must not be empty`, `run "${pair.list}" to find the name or id`);
  return value?.trim();
}

export function requiredResource(opts: Record<string, unknown>, which: FlagName): string {
  const value = resourceValue(opts, which);
  if (value === undefined) {
    const pair: FlagPair = PAIRS[which];
    throw usageError(`required option '${pair.shown} ${pair.placeholder}' not specified`, `run "${pair.list}" to find the name or id`);
  }
  return value;
}
