import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';
import { prepareModuleUpload, readModuleMeta } from '../../module-package.js';
import { checkPlatform, checkVersion, moduleOrganization, splitModuleId } from '../../modules.js';
import { createProgress, formatBytes } from '../../progress.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('upload')
    .description('validate a module (a directory, packed for you, or a .tar.gz/.tgz) and upload it as a version for a platform')
    .argument('<module-path>', 'the module: a directory, or a .tar.gz / .tgz archive')
    .requiredOption('--version <version>', 'the version of this upload (semver 2.0, e.g. 1.0.0)')
    .requiredOption('--platform <platform>', 'linux/amd64, linux/arm64, linux/arm32v7, darwin/arm64, darwin/amd64 or any')
    .option('--org-id <org>', "the module's organization (checked against meta.json's module_id)")
    .option('--public-namespace <namespace>', "the module's namespace (needed for public modules)")
    .option('--module <path>', 'the path to meta.json', 'meta.json')
    .option('--force', 'skip the local checks of the archive (the entrypoint exists and is executable)')
    .addHelpText(
      'after',
      `
Run one upload per platform, with the same --version when only the platform differs.

Examples:
  hangar module upload --version 1.0.0 --platform linux/amd64 ./dist
  hangar module upload --version 1.0.0 --platform darwin/arm64 packaged-module.tar.gz`,
    )
    .action(async (modulePath: string, opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const version = checkVersion(String(opts.version));
      const platform = checkPlatform(String(opts.platform));
      const metaPath = resolve(String(opts.module));
      const meta = await readModuleMeta(metaPath);
      const id = splitModuleId(meta.module_id);
      const namespace = typeof opts.publicNamespace === 'string' ? opts.publicNamespace : undefined;
      if (meta.visibility !== 'private' && (id.byOrgId || namespace === undefined)) {
        throw new CliError(
          `a ${meta.visibility} module is uploaded with --public-namespace, and its module_id starts with that namespace`,
          {
            hint: `pass --public-namespace <namespace> and make module_id <namespace>:${id.name} in ${metaPath}`,
            code: 'INVALID_ARGUMENT',
          },
        );
      }
      if (namespace !== undefined && id.prefix !== namespace) {
        throw new CliError(`--public-namespace ${namespace} does not match module_id ${meta.module_id} in ${metaPath}`, {
          hint: 'pass the namespace module_id starts with, or fix module_id',
          code: 'INVALID_ARGUMENT',
        });
      }
      // Every local check before a byte leaves the machine.
      const prepared = await prepareModuleUpload({ path: resolve(modulePath), entrypoint: meta.entrypoint, force: opts.force === true });
      try {
        const client = await inv.client();
        if (typeof opts.orgId === 'string') {
          const org = await moduleOrganization(client, { orgId: opts.orgId });
          const module = await client.getModule(meta.module_id);
          if (module.organizationId !== org.id) {
            throw new CliError(`module ${meta.module_id} does not belong to organization ${org.name} (--org-id)`, {
              hint: 'pass the organization the module was created in',
              code: 'INVALID_ARGUMENT',
            });
          }
        }
        const progress = createProgress({ stderr: inv.term.stderr, enabled: !inv.json, unit: 'bytes', label: 'Uploading', bytes: true });
        progress.start(prepared.size);
        let shown = 0;
        const result = await client
          .uploadModuleFileFromPath({ moduleId: meta.module_id, version, platform }, prepared.archive, {
            onProgress: (p) => {
              progress.advance(p.done - shown);
              shown = p.done;
            },
          })
          .finally(() => {
            progress.done();
          });
        inv.out.result(
          {
            module_id: meta.module_id,
            version,
            platform,
            size: prepared.size,
            sha256: result.sha256 ?? '',
            packed: prepared.packed,
            url: result.url,
          },
          () => `Uploaded version ${version} of ${meta.module_id} for ${platform} (${formatBytes(prepared.size)}).`,
        );
      } finally {
        await prepared.cleanup();
      }
    });
}
