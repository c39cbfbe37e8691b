import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { Ctx } from '../../context.js';
import { readModuleMeta } from '../../module-package.js';
import { moduleJson } from '../../modules.js';
import { table } from '../../output.js';

export async function moduleIdOf(opts: Record<string, unknown>): Promise<string> {
  if (typeof opts.id === 'string' && opts.id !== '') return opts.id;
  return (await readModuleMeta(resolve(String(opts.module)))).module_id;
}

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('versions')
    .description("list a module's versions and the platforms uploaded for each")
    .option('--module <path>', 'the path to meta.json', 'meta.json')
    .option('--id <module-id>', 'the module by id (<namespace or org id>:<name>) instead of meta.json')
    .addHelpText('after', '\nExamples:\n  hangar module versions\n  hangar module versions --id acme:my-module --json')
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const moduleId = await moduleIdOf(opts);
      const client = await inv.client();
      const module = moduleJson(await client.getModule(moduleId));
      if (module.versions.length === 0) inv.out.notice(`No versions of ${moduleId} uploaded yet: run "hangar module upload".`);
      inv.out.result(module.versions, (list) =>
        list.length === 0
          ? ''
          : table(
              ['VERSION', 'PLATFORMS', 'ENTRYPOINT', 'UPLOADED'],
              list.map((v) => [
                v.version,
                v.platforms.join(', '),
                v.entrypoint,
                v.uploaded_at === '' ? '' : inv.out.time(new Date(v.uploaded_at)),
              ]),
            ),
      );
    });
}
