import type { Command } from 'commander';
import type { Ctx } from '../context.js';

export function register(parent: Command, ctx: Ctx): Command {
  return parent
    .command('version')
    .description('print the version of hangar')
    .action((_opts: object, cmd: Command) => {
      const inv = ctx.invocation(cmd);
      inv.out.result({ version: ctx.version }, (v) => `hangar ${v.version}`);
    });
}
