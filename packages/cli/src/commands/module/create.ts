import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { Ctx } from '../../context.js';
import { writeModuleMeta, type ModuleMeta } from '../../module-package.js';
import { moduleOrganization } from '../../modules.js';
import { usageError } from '../../errors.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('create')
    .description('register a new private module in an organization and write its meta.json in the current directory')
    .requiredOption('--name <name>', 'the module name: lowercase letters, digits, dashes and underscores')
    .option('--org-id <org>', 'the organization (name or id) the module belongs to')
    .option('--public-namespace <namespace>', 'the organization, by its public namespace (for modules you will make public)')
    .option('--module <path>', 'where to write meta.json', 'meta.json')
    .addHelpText(
      'after',
      `
Examples:
  hangar module create --name my-module --public-namespace acme
  hangar module create --name my-module --org-id 1f2e…   # then edit meta.json and run "hangar module update"`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const name = typeof opts.name === 'string' ? opts.name.trim() : '';
      if (name === '') throw usageError('--name must not be empty', 'pass the module name');
      const path = resolve(String(opts.module));
      const client = await inv.client();
      const org = await moduleOrganization(client, opts);
      const [moduleId, url] = await client.createModule(org.id, name);
      const meta: ModuleMeta = {
        module_id: moduleId,
        visibility: 'private',
        url: '',
        description: 'Modular Resource',
        models: [],
        entrypoint: '<PATH TO EXECUTABLE>',
      };
      await writeModuleMeta(path, meta);
      inv.out.result(
        { ...meta, registry_url: url, meta_json: path },
        () => `Created module ${moduleId}. Edit ${path} (description, models, entrypoint), then run "hangar module update".`,
      );
    });
}
