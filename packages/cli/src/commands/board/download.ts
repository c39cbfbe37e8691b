import type { Command } from 'commander';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';
import { extractModuleArchive } from '../../module-package.js';
import { compareVersionsDescending } from '../../modules.js';
import { addResourceOption, requiredResource } from '../../options.js';
import { resolveOrganization } from '../../resolve.js';

export function register(parent: Command, ctx: Ctx): Command {
  const cmd = parent
    .command('download')
    .description('download a version of a board definitions file (the latest when --version is left out)');
  addResourceOption(cmd, 'organization', 'the organization it belongs to');
  return cmd
    .requiredOption('--name <name>', 'the board definitions name')
    .option('--version <version>', 'the version (default: the latest)')
    .option('--destination <dir>', 'the directory to write <name>.json into', '.')
    .addHelpText(
      'after',
      '\nExamples:\n  hangar board download --name my-board --organization my-org --version 1.0.0\n  hangar board download --name my-board --organization my-org',
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const orgInput = requiredResource(opts, 'organization');
      const name = String(opts.name).trim();
      const client = await inv.client();
      const { PackageType } = await inv.sdk();
      const org = await resolveOrganization(client, orgInput);
      let version = typeof opts.version === 'string' ? opts.version : undefined;
      if (version === undefined) {
        const versions = (await client.listPackages(org.id, { name, type: PackageType.BOARD_DEFS })).map((p) => p.info?.version ?? '');
        version = versions.sort(compareVersionsDescending)[0];
        if (version === undefined) {
          throw new CliError(`organization ${org.name} has no board definitions named ${JSON.stringify(name)}`, {
            hint: 'run "hangar board list --organization …" to see what there is',
            code: 'NOT_FOUND',
          });
        }
      }
      const pkg = await client.getPackage(`${org.id}/${name}`, version, { type: PackageType.BOARD_DEFS });
      const work = await mkdtemp(join(tmpdir(), 'hangar-board-'));
      try {
        const archive = join(work, 'board.tar.gz');
        const got = await client.downloadPackage(pkg, archive);
        const unpacked = join(work, 'files');
        await extractModuleArchive(archive, unpacked);
        const [file] = await readdir(unpacked);
        if (file === undefined) throw new CliError('the downloaded board definitions archive is empty', { hint: 'upload the file again' });
        const destination = join(resolve(String(opts.destination)), `${name}.json`);
        await writeFile(destination, await readFile(join(unpacked, file)));
        inv.out.result(
          { name, version, organization_id: org.id, sha256: got.sha256, destination },
          () => `Downloaded board definitions ${name} ${version} to ${destination}.`,
        );
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
}
