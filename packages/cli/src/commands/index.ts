/** The command tree. Each command lives in its own file; heavy modules load inside actions. */
import { Command } from 'commander';
import { DEFAULT_SERVER, type Ctx } from '../context.js';
import * as login from './login/login.js';
import * as loginApiKey from './login/api-key.js';
import * as printAccessToken from './login/print-access-token.js';
import * as logout from './logout.js';
import * as whoami from './whoami.js';
import * as version from './version.js';
import * as server from './server.js';
import * as orgList from './organizations/list.js';
import * as orgCreate from './organizations/create.js';
import * as orgRename from './organizations/rename.js';
import * as orgDelete from './organizations/delete.js';
import * as orgApiKeyCreate from './organizations/api-key/create.js';
import * as locList from './locations/list.js';
import * as locCreate from './locations/create.js';
import * as locRename from './locations/rename.js';
import * as locMove from './locations/move.js';
import * as locDelete from './locations/delete.js';
import * as locApiKeyCreate from './locations/api-key/create.js';

export function buildProgram(ctx: Ctx): Command {
  const program = new Command('hangar')
    .description('Manage a Hangar fleet-management server: sign in, organizations, locations, API keys; or run the server.')
    .version(ctx.version, '-V, --version', 'print the version')
    .option('--server <url>', `the Hangar server (env HANGAR_URL; default: the one you logged in to, else ${DEFAULT_SERVER})`)
    .option('--json', 'print the result as one JSON document')
    .option('--debug', 'print debugging details and stack traces (env HANGAR_DEBUG=1)')
    // Errors are printed by report.ts (two lines, or JSON under --json) and exit codes chosen there;
    // subcommands inherit these settings because they are created with .command().
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .configureHelp({ showGlobalOptions: true })
    .addHelpText(
      'after',
      `
Examples:
  hangar server --data-dir ./hangar-data
  hangar login --server http://127.0.0.1:8080 --email admin@hangar.local
  hangar organizations list
  hangar locations create --organization "Acme" "Warehouse 7"

Exit codes: 0 ok, 1 error, 2 bad usage, 4 not signed in or credentials rejected, 130 interrupted.`,
    );

  const loginCmd = login.register(program, ctx);
  loginApiKey.register(loginCmd, ctx);
  printAccessToken.register(loginCmd, ctx);
  logout.register(program, ctx);
  whoami.register(program, ctx);

  const orgs = program.command('organizations').description('list, create, rename and delete organizations; create organization API keys');
  orgList.register(orgs, ctx);
  orgCreate.register(orgs, ctx);
  orgRename.register(orgs, ctx);
  orgDelete.register(orgs, ctx);
  orgApiKeyCreate.register(orgs.command('api-key').description('organization API keys'), ctx);

  const locs = program.command('locations').description('list, create, rename, move and delete locations; create location API keys');
  locList.register(locs, ctx);
  locCreate.register(locs, ctx);
  locRename.register(locs, ctx);
  locMove.register(locs, ctx);
  locDelete.register(locs, ctx);
  locApiKeyCreate.register(locs.command('api-key').description('location API keys'), ctx);

  server.register(program, ctx);
  version.register(program, ctx);
  return program;
}
