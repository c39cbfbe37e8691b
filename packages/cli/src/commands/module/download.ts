import type { Command } from 'commander';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Ctx } from '../../context.js';
import { extractModuleArchive } from '../../module-package.js';
import { checkPlatform, splitModuleId } from '../../modules.js';
import { createProgress, formatBytes } from '../../progress.js';
import { moduleIdOf } from './versions.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('download')
    .description('download a version of a module for a platform (sha256 checked) and unpack it')
    .requiredOption('--platform <platform>', 'the platform of the build to download')
    .option('--version <version>', 'the version, or a range such as ^1 (default: latest)', 'latest')
    .option('--destination <dir>', 'where to unpack it (default: ./<name>-<version>-<platform>)')
    .option('--module <path>', 'the path to meta.json', 'meta.json')
    .option('--id <module-id>', 'the module by id (<namespace or org id>:<name>) instead of meta.json')
    .addHelpText(
      'after',
      '\nExamples:\n  hangar module download --version 1.0.0 --platform linux/amd64\n  hangar module download --id acme:my-module --platform any --destination /opt/my-module',
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const platform = checkPlatform(String(opts.platform));
      const moduleId = await moduleIdOf(opts);
      const { prefix, name } = splitModuleId(moduleId);
      const client = await inv.client();
      const { PackageType } = await inv.sdk();
      const pkg = await client.getPackage(`${prefix}/${name}`, String(opts.version), { platform, type: PackageType.MODULE });
      const version = pkg.info?.version ?? String(opts.version);
      const destination = resolve(
        typeof opts.destination === 'string' ? opts.destination : `${name}-${version}-${platform.replace('/', '-')}`,
      );
      await mkdir(destination, { recursive: true });
      const archive = join(destination, '.hangar-download.tar.gz');
      const total = Number(pkg.info?.files[0]?.size ?? 0n);
      const progress = createProgress({ stderr: inv.term.stderr, enabled: !inv.json, unit: 'bytes', label: 'Downloading', bytes: true });
      progress.start(total);
      let shown = 0;
      const got = await client
        .downloadPackage(pkg, archive, {
          onProgress: (p) => {
            progress.advance(p.done - shown);
            shown = p.done;
          },
        })
        .finally(() => {
          progress.done();
        });
      await extractModuleArchive(archive, destination);
      await rm(archive, { force: true });
      inv.out.result(
        { module_id: moduleId, version, platform: pkg.info?.platform ?? platform, size: got.size, sha256: got.sha256, destination },
        (r) => `Downloaded ${moduleId} ${r.version} (${r.platform}, ${formatBytes(r.size)}) into ${destination}.`,
      );
    });
}
