/**
 * The machine's cloud file, the one viam-server reads from /etc/viam.json:
 * `{"cloud": {"app_address": "http://…", "id": "<part id>", "secret": "<part secret>"}}`, or with
 * `"api_key": {"id", "key"}` in place of the secret.
 */
import { readFile } from 'node:fs/promises';
import type { Credentials } from '@hangar/sdk';
import { CliError, EXIT } from '../errors.js';

export interface CloudFile {
  readonly appAddress: string;
  readonly partId: string;
  readonly credentials: Credentials;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export async function readCloudFile(path: string): Promise<CloudFile> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the machine's cloud file ${path}: ${(err as Error).message}`, {
      exitCode: EXIT.usage,
      code: 'USAGE',
      hint: 'write one with: hangar robots part setup --robot <robot> --part <part> --output <file>, then pass --config <file>',
    });
  }
  const bad = (why: string) =>
    new CliError(`${path} is not a machine cloud file: ${why}`, {
      exitCode: EXIT.usage,
      code: 'USAGE',
      hint: 'write a fresh one with: hangar robots part setup --robot <robot> --part <part> --output <file>',
    });
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw bad('it is not JSON');
  }
  const cloud: unknown = typeof json === 'object' && json !== null ? (json as { cloud?: unknown }).cloud : undefined;
  if (typeof cloud !== 'object' || cloud === null || Array.isArray(cloud)) throw bad('it has no "cloud" object');
  const fields = cloud as Record<string, unknown>;
  const appAddress = text(fields.app_address);
  const partId = text(fields.id);
  if (appAddress === undefined || !/^https?:\/\//.test(appAddress)) throw bad('"cloud.app_address" must be an http:// or https:// URL');
  if (partId === undefined) throw bad('"cloud.id" (the part id) is missing');
  const apiKey = fields.api_key as { id?: unknown; key?: unknown } | undefined;
  const keyId = text(apiKey?.id);
  const key = text(apiKey?.key);
  const secret = text(fields.secret);
  let credentials: Credentials;
  if (keyId !== undefined && key !== undefined) credentials = { type: 'api-key', keyId, key };
  else if (secret !== undefined) credentials = { type: 'robot-secret', partId, secret };
  else throw bad('it has neither "cloud.secret" nor "cloud.api_key"');
  return { appAddress: appAddress.replace(/\/+$/, ''), partId, credentials };
}
