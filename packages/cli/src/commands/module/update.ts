import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { Ctx } from '../../context.js';
import { CliError } from '../../errors.js';
import { readModuleMeta } from '../../module-package.js';
import { splitModuleId } from '../../modules.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('update')
    .description("push meta.json's description, url, models, entrypoint and visibility to the module in the registry")
    .option('--module <path>', 'the path to meta.json', 'meta.json')
    .addHelpText(
      'after',
      `
A public module's module_id must start with its organization's public namespace, and its models too.

Examples:
  hangar module update
  hangar module update --module ./my-module/meta.json --json`,
    )
    .action(async (opts: Record<string, unknown>, c: Command) => {
      const inv = ctx.invocation(c);
      const path = resolve(String(opts.module));
      const meta = await readModuleMeta(path);
      if (meta.visibility !== 'private' && splitModuleId(meta.module_id).byOrgId) {
        throw new CliError(`a ${meta.visibility} module's module_id must use your organization's public namespace, not its id`, {
          hint: `change module_id in ${path} to <namespace>:${splitModuleId(meta.module_id).name}`,
          code: 'INVALID_ARGUMENT',
        });
      }
      const client = await inv.client();
      const url = await client.updateModule(meta.module_id, meta.url, meta.description, meta.models, meta.entrypoint, meta.visibility);
      inv.out.result({ ...meta, registry_url: url }, () => `Updated module ${meta.module_id} (${meta.visibility}) from ${path}.`);
    });
}
