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
import * as agent from './agent.js';
import * as orgList from './organizations/list.js';
import * as orgCreate from './organizations/create.js';
import * as orgRename from './organizations/rename.js';
import * as orgDelete from './organizations/delete.js';
import * as orgApiKeyCreate from './organizations/api-key/create.js';
import * as orgApiKeyList from './organizations/api-key/list.js';
import * as orgApiKeyRotate from './organizations/api-key/rotate.js';
import * as orgApiKeyDelete from './organizations/api-key/delete.js';
import * as orgMembersList from './organizations/members/list.js';
import * as orgMembersRemove from './organizations/members/remove.js';
import * as orgInvitesCreate from './organizations/invites/create.js';
import * as orgInvitesList from './organizations/invites/list.js';
import * as orgInvitesUpdate from './organizations/invites/update.js';
import * as orgInvitesResend from './organizations/invites/resend.js';
import * as orgInvitesDelete from './organizations/invites/delete.js';
import * as inviteAccept from './invite/accept.js';
import * as locList from './locations/list.js';
import * as locCreate from './locations/create.js';
import * as locRename from './locations/rename.js';
import * as locMove from './locations/move.js';
import * as locDelete from './locations/delete.js';
import * as locApiKeyCreate from './locations/api-key/create.js';
import * as locShare from './locations/share.js';
import * as locUnshare from './locations/unshare.js';
import * as locSecretsList from './locations/secrets/list.js';
import * as locSecretsCreate from './locations/secrets/create.js';
import * as locSecretsDelete from './locations/secrets/delete.js';
import * as robotList from './robots/list.js';
import * as robotStatus from './robots/status.js';
import * as robotLogs from './robots/logs.js';
import * as robotCreate from './robots/create.js';
import * as robotRename from './robots/rename.js';
import * as robotMove from './robots/move.js';
import * as robotDelete from './robots/delete.js';
import * as robotApiKeyCreate from './robots/api-key/create.js';
import * as partStatus from './robots/part/status.js';
import * as partLogs from './robots/part/logs.js';
import * as partCreate from './robots/part/create.js';
import * as partRename from './robots/part/rename.js';
import * as partDelete from './robots/part/delete.js';
import * as partSetMain from './robots/part/set-main.js';
import * as partRestart from './robots/part/restart.js';
import * as partSetup from './robots/part/setup.js';
import * as partRun from './robots/part/run.js';
import * as partShell from './robots/part/shell.js';
import * as partHistory from './robots/part/history.js';
import * as partConfigGet from './robots/part/config/get.js';
import * as partConfigSet from './robots/part/config/set.js';
import * as partSecretsList from './robots/part/secrets/list.js';
import * as partSecretsCreate from './robots/part/secrets/create.js';
import * as partSecretsDelete from './robots/part/secrets/delete.js';
import * as partFragmentsAdd from './robots/part/fragments/add.js';
import * as partFragmentsRemove from './robots/part/fragments/remove.js';
import * as fragmentList from './fragments/list.js';
import * as fragmentGet from './fragments/get.js';
import * as fragmentCreate from './fragments/create.js';
import * as fragmentUpdate from './fragments/update.js';
import * as fragmentDelete from './fragments/delete.js';
import * as fragmentHistory from './fragments/history.js';
import * as roleList from './roles/list.js';
import * as roleAdd from './roles/add.js';
import * as roleRemove from './roles/remove.js';
import * as roleChange from './roles/change.js';
import * as accountChangePassword from './account/change-password.js';
import * as moduleCreate from './module/create.js';
import * as moduleUpdate from './module/update.js';
import * as moduleUpload from './module/upload.js';
import * as moduleVersions from './module/versions.js';
import * as moduleDownload from './module/download.js';
import * as moduleList from './module/list.js';
import * as boardUpload from './board/upload.js';
import * as boardDownload from './board/download.js';
import * as boardList from './board/list.js';
import * as dataExport from './data/export.js';
import * as dataDelete from './data/delete.js';
import * as dataDatabase from './data/database.js';

/**
 * `versionFlag: false` leaves out `-V, --version`: commander reads a program's options anywhere on the
 * line, so with a subcommand given it would take `module upload --version 1.0.0` for itself.
 */
export function buildProgram(ctx: Ctx, { versionFlag = true }: { versionFlag?: boolean } = {}): Command {
  const program = new Command('hangar')
    .description(
      'Manage a Hangar fleet-management server: sign in, organizations and their members, locations, machines and their parts, fragments, roles, API keys; or run the server.',
    )
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
  hangar robots create --location "Warehouse 7" rover
  hangar robots part config set --robot rover --part rover-main rover.json

Exit codes: 0 ok, 1 error, 2 bad usage, 4 not signed in or credentials rejected, 130 interrupted.`,
    );

  if (versionFlag) program.version(ctx.version, '-V, --version', 'print the version');

  const loginCmd = login.register(program, ctx);
  loginApiKey.register(loginCmd, ctx);
  printAccessToken.register(loginCmd, ctx);
  logout.register(program, ctx);
  whoami.register(program, ctx);
  accountChangePassword.register(program.command('account').description('your own account: change your password'), ctx);

  const orgs = program
    .command('organizations')
    .description('list, create, rename and delete organizations; their members and invitations; create, list, rotate and delete API keys');
  orgList.register(orgs, ctx);
  orgCreate.register(orgs, ctx);
  orgRename.register(orgs, ctx);
  orgDelete.register(orgs, ctx);
  const orgKeys = orgs
    .command('api-key')
    .description("organization API keys, and listing, rotating and deleting any of an organization's keys");
  orgApiKeyCreate.register(orgKeys, ctx);
  orgApiKeyList.register(orgKeys, ctx);
  orgApiKeyRotate.register(orgKeys, ctx);
  orgApiKeyDelete.register(orgKeys, ctx);
  const orgMembers = orgs.command('members').description("an organization's members: list them and remove them");
  orgMembersList.register(orgMembers, ctx);
  orgMembersRemove.register(orgMembers, ctx);
  const orgInvites = orgs
    .command('invites')
    .description('invitations to an organization: create, list (with their accept links), update, resend and delete them');
  orgInvitesCreate.register(orgInvites, ctx);
  orgInvitesList.register(orgInvites, ctx);
  orgInvitesUpdate.register(orgInvites, ctx);
  orgInvitesResend.register(orgInvites, ctx);
  orgInvitesDelete.register(orgInvites, ctx);
  inviteAccept.register(program.command('invite').description('accept an invitation to an organization'), ctx);

  const locs = program
    .command('locations')
    .description('list, create, rename, move, share and delete locations; their secrets; create location API keys');
  locList.register(locs, ctx);
  locCreate.register(locs, ctx);
  locRename.register(locs, ctx);
  locMove.register(locs, ctx);
  locDelete.register(locs, ctx);
  locShare.register(locs, ctx);
  locUnshare.register(locs, ctx);
  locApiKeyCreate.register(locs.command('api-key').description('location API keys'), ctx);
  const locSecrets = locs.command('secrets').description("a location's secrets, which machines in it connect with: list, create, delete");
  locSecretsList.register(locSecrets, ctx);
  locSecretsCreate.register(locSecrets, ctx);
  locSecretsDelete.register(locSecrets, ctx);

  const robots = program
    .command('robots')
    .alias('machines')
    .description(
      'list machines and their status and logs; create, rename, move and delete them; manage their parts; create machine API keys',
    );
  robotList.register(robots, ctx);
  robotStatus.register(robots, ctx);
  robotLogs.register(robots, ctx);
  robotCreate.register(robots, ctx);
  robotRename.register(robots, ctx);
  robotMove.register(robots, ctx);
  robotDelete.register(robots, ctx);
  robotApiKeyCreate.register(robots.command('api-key').description('machine API keys'), ctx);
  const parts = robots
    .command('part')
    .description("a machine's parts: status, logs, create, rename, delete, main part, restart, config, fragments, secrets and history");
  partStatus.register(parts, ctx);
  partLogs.register(parts, ctx);
  partCreate.register(parts, ctx);
  partRename.register(parts, ctx);
  partDelete.register(parts, ctx);
  partSetMain.register(parts, ctx);
  partRestart.register(parts, ctx);
  partSetup.register(parts, ctx);
  partRun.register(parts, ctx);
  partShell.register(parts, ctx);
  partHistory.register(parts, ctx);
  const partConfig = parts.command('config').description("a part's config: print it (or the effective one) or replace it");
  partConfigGet.register(partConfig, ctx);
  partConfigSet.register(partConfig, ctx);
  const partFragments = parts.command('fragments').description("the fragments a part's config includes: add and remove them");
  partFragmentsAdd.register(partFragments, ctx);
  partFragmentsRemove.register(partFragments, ctx);
  const partSecrets = parts.command('secrets').description("a part's secrets, which its machine connects with: list, create, delete");
  partSecretsList.register(partSecrets, ctx);
  partSecretsCreate.register(partSecrets, ctx);
  partSecretsDelete.register(partSecrets, ctx);

  const modules = program
    .command('module')
    .description('custom modules in the registry: create (writes meta.json), update, upload versions, list, list versions, download');
  moduleCreate.register(modules, ctx);
  moduleUpdate.register(modules, ctx);
  moduleUpload.register(modules, ctx);
  moduleVersions.register(modules, ctx);
  moduleDownload.register(modules, ctx);
  moduleList.register(modules, ctx);
  const boards = program.command('board').description('board definitions files: upload, download and list them');
  boardUpload.register(boards, ctx);
  boardDownload.register(boards, ctx);
  boardList.register(boards, ctx);
  const data = program.command('data').description('machine data: export it, delete it, query it from the database directly');
  dataExport.register(data, ctx);
  const dataDeletes = data.command('delete').description('delete binary or tabular data');
  dataDelete.registerBinary(dataDeletes, ctx);
  dataDelete.registerTabular(dataDeletes, ctx);
  const dataDatabases = data.command('database').description('direct read-only database access to tabular data (PostgreSQL servers)');
  dataDatabase.registerConfigure(dataDatabases, ctx);
  dataDatabase.registerHostname(dataDatabases, ctx);

  const fragments = program
    .command('fragments')
    .description('reusable configs that parts include: list, get, create, update and delete them, and see their history');
  fragmentList.register(fragments, ctx);
  fragmentGet.register(fragments, ctx);
  fragmentCreate.register(fragments, ctx);
  fragmentUpdate.register(fragments, ctx);
  fragmentDelete.register(fragments, ctx);
  fragmentHistory.register(fragments, ctx);

  const roles = program.command('roles').description('list, add, remove and change the roles of users and API keys in an organization');
  roleList.register(roles, ctx);
  roleAdd.register(roles, ctx);
  roleRemove.register(roles, ctx);
  roleChange.register(roles, ctx);

  server.register(program, ctx);

  agent.register(program, ctx);
  version.register(program, ctx);
  return program;
}
