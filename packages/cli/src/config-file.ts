/**
 * Config files given to commands that replace a config (`robots part config set`, `fragments create|update`):
 * a path, or "-" for stdin, holding one JSON object. Read and checked before anything is sent.
 */
import { readFile } from 'node:fs/promises';
import type { JsonObject } from '@hangar/sdk';
import { CliError } from './errors.js';
import { readAllStdin } from './prompt.js';

export interface ConfigFileHints {
  /** What the object is, e.g. "the part config". */
  readonly what: string;
  /** The command that prints the current config to start from. */
  readonly getCommand: string;
}

export const PART_CONFIG: ConfigFileHints = { what: 'the part config', getCommand: 'hangar robots part config get' };
export const FRAGMENT_CONFIG: ConfigFileHints = { what: 'the fragment config', getCommand: 'hangar fragments get' };

/** The JSON object in `file` ("-": stdin). */
export async function readConfigFile(file: string, stdin: NodeJS.ReadStream, hints: ConfigFileHints): Promise<JsonObject> {
  return parseConfig(await readConfigText(file, stdin), file === '-' ? 'stdin' : file, hints);
}

async function readConfigText(file: string, stdin: NodeJS.ReadStream): Promise<string> {
  if (file === '-') return readAllStdin(stdin);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'no such file'
        : e.code === 'EISDIR'
          ? 'it is a directory'
          : e.code === 'EACCES'
            ? 'permission denied'
            : e.message;
    throw new CliError(`cannot read ${file}: ${why}`, {
      code: 'INVALID_ARGUMENT',
      hint: 'pass the path of a JSON file, or - to read the config from stdin',
    });
  }
}

function parseConfig(text: string, source: string, hints: ConfigFileHints): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${source} is not valid JSON: ${(err as Error).message}`, {
      code: 'INVALID_ARGUMENT',
      hint: `fix the JSON and run the command again ("${hints.getCommand}" prints the current config to start from)`,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    throw new CliError(`${source} must hold a JSON object (${hints.what}), got ${kind}`, {
      code: 'INVALID_ARGUMENT',
      hint: `wrap the config in { … }; "${hints.getCommand}" prints the current one to start from`,
    });
  }
  return value as JsonObject;
}
