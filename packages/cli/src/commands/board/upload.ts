import type { Command } from 'commander';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { create } from 'tar';
import type { Ctx } from '../../context.js';
import { CliError, usageError } from '../../errors.js';
import { checkVersion } from '../../modules.js';
import { addResourceOption, requiredResource } from '../../options.js';
import { resolveOrganization } from '../../resolve.js';

/** The seed-era CLI sends a board definitions archive as one message and refuses more than this. */
const MAX_ARCHIVE_BYTES = 32 * 1024;

/** The definitions file as the .tar.gz packages are stored as (one file, its own name). */
export async function packBoardFile(path: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'hangar-board-'));
  try {
    const archive = join(dir, 'board.tar.gz');
    await create({ gzip: true, file: archive, cwd: resolve(path, '..'), portable: true }, [basename(path)]);
    return await readFile(archive);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('upload')
    .description('upload a board definitions JSON file as a new version')
    .argument('<file>', 'the board definitions JSON file');
  addResourceOption(cmd, 'organization', 'the organization it belongs to');
  return cmd
    .requiredOption('--name <name>', 'the board definitions name')
    .requiredOption('--version <version>', 'the version of this file (semver 2.0, e.g. 1.0.0)')
    .addHelpText('after', '\nExamples:\n  hangar board upload --name my-board --organization my-org --version 1.0.0 my-board.json')
    .action(async (file: string, opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgInput = requiredResource(opts, 'organization');
      const name = String(opts.name).trim();
      if (name === '') throw usageError('--name must not be empty', 'pass the board definitions name');
      const version = checkVersion(String(opts.version));
      const path = resolve(file);
      const text = await readFile(path, 'utf8').catch(() => {
        throw usageError(`cannot read ${path}`, 'pass the path of the board definitions JSON file');
      });
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the file must hold a JSON object');
      } catch (err) {
        throw new CliError(`${path} is not a valid board definitions file: ${(err as Error).message}`, {
          hint: 'fix the JSON and upload again',
          code: 'INVALID_ARGUMENT',
        });
      }
      const archive = await packBoardFile(path);
      if (archive.length > MAX_ARCHIVE_BYTES) {
        throw new CliError(`the packed file is ${archive.length} bytes; board definitions must pack to under ${MAX_ARCHIVE_BYTES} bytes`, {
          code: 'INVALID_ARGUMENT',
        });
      }
      const client = await inv.client();
      const { PackageType } = await inv.sdk();
      const org = await resolveOrganization(client, orgInput);
      const size = (await stat(path)).size;
      const res = await client.createPackage(
        { organizationId: org.id, name, version, type: PackageType.BOARD_DEFS, fileName: basename(path), fileSize: size },
        archive,
      );
      inv.out.result(
        { id: res.id, name, version: res.version, organization_id: org.id, size },
        () => 'Board definitions file was successfully uploaded!',
      );
    });
}
