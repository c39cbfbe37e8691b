import { Struct } from '@bufbuild/protobuf';
/**
 * The authorization matrix, generated from the server's method table: every implemented AppService method
 * × {organization owner key, location operator key, owner key of another organization, no credentials}.
 * Each method gets a fresh world, and the owner's cell runs last so destructive calls cannot spoil others.
 * The expected code comes from a small model of the roles written here, independently of the server's
 * policy code; the checks each method performs come from METHODS.
 */
import { MethodKind, type PartialMessage } from '@bufbuild/protobuf';
import { createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { ACCOUNT_METHODS, METHODS, type AppMethodName, type Check } from '@hangar/server';
import { AccountService, AppService, AuthService } from '@hangar/wire';
import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { Code, codeOf } from '../assertions.js';
import { newKey, type ApiKeyCredentials } from '../seed.js';
import { describeEngines } from '../suite.js';
import type { TestServer } from '../server.js';
import { insertUser } from '../users.js';
import { activeTails, waitForTails } from '../machine-logs.js';

type Actor = 'owner' | 'operator' | 'other' | 'none';
const ACTORS: readonly Actor[] = ['none', 'other', 'operator', 'owner'];

/** What a location operator may do inside its location (and nothing more). */
const OPERATOR_MAY = new Set(['location.read', 'robot.read', 'robot.operate', 'logs.read']);

interface World {
  orgId: string;
  locationId: string;
  /** An empty location under `locationId`, for deletions. */
  childLocationId: string;
  robotId: string;
  mainPartId: string;
  mainPartName: string;
  /** A second, non-main part of the robot. */
  sidePartId: string;
  /** The main part's second secret (parts start with one). */
  secondSecretId: string;
  /** An API key holding location_operator on `locationId`. */
  keyId: string;
  adminUserId: string;
  /** The location's second secret (locations start with one). */
  secondLocationSecretId: string;
  /** A private fragment of the organization. */
  fragmentId: string;
  /** A private module of the organization, with an entrypoint (so versions can be uploaded). */
  moduleId: string;
  /** The email of a pending invite to the organization (a location operator role). */
  inviteEmail: string;
  /** A second organization of the administrator's that `locationId` is shared with. */
  sharedOrgId: string;
  tokens: Record<Exclude<Actor, 'none'>, string>;
}

type Sample = (w: World) => PartialMessage<any>;

/**
 * Pinned expectations for the location operator, so a wrong action in the method table cannot hide
 * behind the generated model: administering is for owners; reading and operating is for operators too.
 */
const OPERATOR_DENIED = new Set<AppMethodName>([
  'createOrganizationInvite',
  'deleteOrganizationMember',
  'locationAuth',
  'createLocationSecret',
  'deleteLocationSecret',
  'shareLocation',
  'createFragment',
  'updateFragment',
  'deleteFragment',
  'updateRobotPartMetadata',
  'updateOrganization',
  'deleteOrganization',
  'createLocation',
  'updateLocation',
  'deleteLocation',
  'createKey',
  'updateRobotPart',
  'newRobotPart',
  'deleteRobotPart',
  'getRobotAPIKeys',
  'markPartAsMain',
  'createRobotPartSecret',
  'deleteRobotPartSecret',
  'newRobot',
  'updateRobot',
  'deleteRobot',
  'addRole',
  'removeRole',
  'changeRole',
  'listAuthorizations',
  'deleteKey',
  'listKeys',
  'renameKey',
  'rotateKey',
  'createKeyFromExistingKeyAuthorizations',
  'createOrganization',
  'createRegistryItem',
  'updateRegistryItem',
  'deleteRegistryItem',
  'createModule',
  'updateModule',
  'uploadModuleFile',
]);
const OPERATOR_ALLOWED = new Set<AppMethodName>([
  'getFragment',
  'listFragments',
  'getFragmentHistory',
  'listMachineFragments',
  'listMachineSummaries',
  'getRobotMetadata',
  'getLocationMetadata',
  'getOrganization',
  'listOrganizationMembers',
  'listLocations',
  'getLocation',
  'getOrganizationsWithAccessToLocation',
  'getRobot',
  'getRoverRentalRobots',
  'getRobotParts',
  'getRobotPart',
  'getRobotPartByNameAndLocation',
  'getRobotPartHistory',
  'listRobots',
  'listRobotsForOrg',
  'listRobotsForLocations',
  'markPartForRestart',
  'checkPermissions',
  'listOrganizations',
  'getUserIDByEmail',
  'getRobotPartLogs',
  'tailRobotPartLogs',
  'getRegistryItem',
  'listRegistryItems',
  'getModule',
  'listModules',
]);

/** One request per implemented method, aimed at the world's resources. */
const SAMPLES: Partial<Record<AppMethodName, Sample>> = {
  getUserIDByEmail: () => ({ email: 'admin@hangar.local' }),
  createOrganization: () => ({ name: 'Made in the matrix' }),
  listOrganizations: () => ({}),
  getOrganizationsWithAccessToLocation: (w) => ({ locationId: w.locationId }),
  listOrganizationsByUser: (w) => ({ userId: w.adminUserId }),
  getOrganization: (w) => ({ organizationId: w.orgId }),
  getOrganizationNamespaceAvailability: () => ({ publicNamespace: 'matrix-free-namespace' }),
  updateOrganization: (w) => ({ organizationId: w.orgId, name: 'Renamed' }),
  deleteOrganization: (w) => ({ organizationId: w.orgId }),
  listOrganizationMembers: (w) => ({ organizationId: w.orgId }),
  createLocation: (w) => ({ organizationId: w.orgId, name: 'New location' }),
  getLocation: (w) => ({ locationId: w.locationId }),
  updateLocation: (w) => ({ locationId: w.locationId, name: 'Renamed location' }),
  deleteLocation: (w) => ({ locationId: w.childLocationId }),
  listLocations: (w) => ({ organizationId: w.orgId }),
  createKey: (w) => ({ authorizations: [orgOwner(w)], name: 'matrix key' }),
  getRobot: (w) => ({ id: w.robotId }),
  getRoverRentalRobots: (w) => ({ orgId: w.orgId }),
  getRobotParts: (w) => ({ robotId: w.robotId }),
  getRobotPart: (w) => ({ id: w.mainPartId }),
  getRobotPartByNameAndLocation: (w) => ({ name: w.mainPartName, locationId: w.locationId }),
  getRobotPartHistory: (w) => ({ id: w.mainPartId }),
  updateRobotPart: (w) => ({ id: w.mainPartId, name: w.mainPartName }),
  newRobotPart: (w) => ({ robotId: w.robotId, partName: 'extra-part' }),
  deleteRobotPart: (w) => ({ partId: w.sidePartId }),
  getRobotAPIKeys: (w) => ({ robotId: w.robotId }),
  markPartAsMain: (w) => ({ partId: w.sidePartId }),
  markPartForRestart: (w) => ({ partId: w.mainPartId }),
  createRobotPartSecret: (w) => ({ partId: w.sidePartId }),
  deleteRobotPartSecret: (w) => ({ partId: w.mainPartId, secretId: w.secondSecretId }),
  listRobots: (w) => ({ locationId: w.locationId }),
  listRobotsForOrg: (w) => ({ orgId: w.orgId }),
  listRobotsForLocations: (w) => ({ locationIds: [w.locationId] }),
  newRobot: (w) => ({ name: 'new-robot', location: w.locationId }),
  updateRobot: (w) => ({ id: w.robotId, name: 'renamed-robot', location: '' }),
  deleteRobot: (w) => ({ id: w.robotId }),
  addRole: (w) => ({ authorization: role(w, 'owner', 'location', w.locationId) }),
  removeRole: (w) => ({ authorization: role(w, 'operator', 'location', w.locationId) }),
  changeRole: (w) => ({
    oldAuthorization: role(w, 'operator', 'location', w.locationId),
    newAuthorization: role(w, 'owner', 'location', w.locationId),
  }),
  listAuthorizations: (w) => ({ organizationId: w.orgId, resourceIds: [] }),
  checkPermissions: (w) => ({ permissions: [{ resourceType: 'organization', resourceId: w.orgId, permissions: ['read_organization'] }] }),
  deleteKey: (w) => ({ id: w.keyId }),
  listKeys: (w) => ({ orgId: w.orgId }),
  renameKey: (w) => ({ id: w.keyId, name: 'renamed key' }),
  rotateKey: (w) => ({ id: w.keyId }),
  createKeyFromExistingKeyAuthorizations: (w) => ({ id: w.keyId }),
  createOrganizationInvite: (w) => ({
    organizationId: w.orgId,
    email: `new-${w.fragmentId.slice(0, 8)}@example.com`,
    sendEmailInvite: false,
  }),
  updateOrganizationInviteAuthorizations: (w) => ({
    organizationId: w.orgId,
    email: w.inviteEmail,
    addAuthorizations: [inviteRole(w.orgId, 'organization', w.orgId)],
  }),
  deleteOrganizationMember: (w) => ({ organizationId: w.orgId, userId: w.adminUserId }),
  deleteOrganizationInvite: (w) => ({ organizationId: w.orgId, email: w.inviteEmail }),
  resendOrganizationInvite: (w) => ({ organizationId: w.orgId, email: w.inviteEmail, sendEmailInvite: false }),
  shareLocation: (w) => ({ organizationId: w.orgId, locationId: w.locationId }),
  unshareLocation: (w) => ({ organizationId: w.sharedOrgId, locationId: w.locationId }),
  locationAuth: (w) => ({ locationId: w.locationId }),
  createLocationSecret: (w) => ({ locationId: w.childLocationId }),
  deleteLocationSecret: (w) => ({ locationId: w.locationId, secretId: w.secondLocationSecretId }),
  getOrganizationMetadata: (w) => ({ organizationId: w.orgId }),
  updateOrganizationMetadata: (w) => ({ organizationId: w.orgId, data: Struct.fromJson({ a: 1 }) }),
  getLocationMetadata: (w) => ({ locationId: w.locationId }),
  updateLocationMetadata: (w) => ({ locationId: w.locationId, data: Struct.fromJson({ a: 1 }) }),
  getRobotMetadata: (w) => ({ id: w.robotId }),
  updateRobotMetadata: (w) => ({ id: w.robotId, data: Struct.fromJson({ a: 1 }) }),
  getRobotPartMetadata: (w) => ({ id: w.mainPartId }),
  updateRobotPartMetadata: (w) => ({ id: w.mainPartId, data: Struct.fromJson({ a: 1 }) }),
  listMachineSummaries: (w) => ({ organizationId: w.orgId }),
  listFragments: (w) => ({ organizationId: w.orgId, showPublic: true }),
  getFragment: (w) => ({ id: w.fragmentId }),
  createFragment: (w) => ({ organizationId: w.orgId, name: 'made in the matrix' }),
  updateFragment: (w) => ({ id: w.fragmentId, name: 'renamed fragment' }),
  deleteFragment: (w) => ({ id: w.fragmentId }),
  getFragmentHistory: (w) => ({ id: w.fragmentId }),
  listMachineFragments: (w) => ({ machineId: w.robotId }),
  getRobotPartLogs: (w) => ({ id: w.mainPartId }),
  tailRobotPartLogs: (w) => ({ id: w.mainPartId, errorsOnly: false }),
  getRegistryItem: (w) => ({ itemId: w.moduleId }),
  createRegistryItem: (w) => ({ organizationId: w.orgId, name: 'matrix-item', type: 5 }),
  updateRegistryItem: (w) => ({ itemId: w.moduleId, type: 3, description: 'changed', visibility: 1 }),
  listRegistryItems: (w) => ({ organizationId: w.orgId }),
  deleteRegistryItem: (w) => ({ itemId: w.moduleId }),
  createModule: (w) => ({ organizationId: w.orgId, name: 'matrix-module-two' }),
  updateModule: (w) => ({ moduleId: w.moduleId, visibility: 1, url: '', description: 'changed', models: [], entrypoint: 'run' }),
  // The stream's first message; a chunk of file follows it (see the loop).
  uploadModuleFile: (w) => ({ moduleFile: { case: 'moduleFileInfo', value: { moduleId: w.moduleId, version: '1.0.0', platform: 'any' } } }),
  getModule: (w) => ({ moduleId: w.moduleId }),
  listModules: (w) => ({ organizationId: w.orgId }),
};

function inviteRole(orgId: string, type: string, id: string) {
  return {
    authorizationType: 'role',
    authorizationId: `${type}_operator`,
    resourceType: type,
    resourceId: id,
    organizationId: orgId,
    identityId: '',
    identityType: '',
  };
}

function orgOwner(w: World) {
  return {
    authorizationType: 'role',
    authorizationId: 'organization_owner',
    resourceType: 'organization',
    resourceId: w.orgId,
    organizationId: w.orgId,
    identityId: '',
    identityType: 'api-key',
  };
}

function role(w: World, r: string, type: string, id: string) {
  return {
    authorizationType: 'role',
    authorizationId: `${type}_${r}`,
    resourceType: type,
    resourceId: id,
    organizationId: w.orgId,
    identityId: w.keyId,
    identityType: '',
  };
}

/**
 * Signed-in methods whose answer depends on what the caller shares with the target: a caller from
 * another organization gets what a missing target gets.
 */
const SHARED_ONLY = new Set<AppMethodName>(['getUserIDByEmail']);

/** The model: who may do what, written from the role definitions, not from the server's code. */
function expectedFor(actor: Actor, checks: readonly Check[], method: AppMethodName): Code | 0 {
  if (actor === 'none') return Code.Unauthenticated;
  if (actor === 'owner') return 0;
  const entry = METHODS[method];
  // Creating organizations: users, and keys that own their own organization (the other org's key does).
  if (entry !== 'unimplemented' && 'access' in entry && entry.access === 'home_org_admin') {
    return actor === 'other' ? 0 : Code.PermissionDenied;
  }
  if (actor === 'other' && SHARED_ONLY.has(method)) return Code.NotFound;
  if (actor === 'other') return checks.length === 0 ? 0 : Code.NotFound;
  for (const { action, target } of checks) {
    if ('organization' in target || 'fragment' in target || 'registryItem' in target) {
      if (action !== 'org.read') return Code.PermissionDenied;
    } else if ('apiKey' in target) {
      return Code.PermissionDenied;
    } else if (!OPERATOR_MAY.has(action)) {
      return Code.PermissionDenied;
    }
  }
  return 0;
}

/** A client stream of the sample (its first message) and one chunk of file. */
async function clientStream(
  app: Client<typeof AppService>,
  method: AppMethodName,
  first: PartialMessage<any>,
  headers: Record<string, string>,
): Promise<void> {
  async function* messages() {
    await Promise.resolve();
    yield first;
    yield { moduleFile: { case: 'file', value: new Uint8Array(64) } };
  }
  const call = app[method] as unknown as (input: AsyncIterable<unknown>, o: object) => Promise<unknown>;
  await call.call(app, messages(), { headers });
}

/**
 * A server stream counts as allowed once the server holds it open: the server's tail gauge goes up
 * before any error could arrive. A refused one fails with its code first.
 */
async function openStream(
  s: TestServer,
  app: Client<typeof AppService>,
  method: AppMethodName,
  init: PartialMessage<any>,
  headers: Record<string, string>,
): Promise<void> {
  const before = await activeTails(s);
  const abort = new AbortController();
  const stream = (app[method] as unknown as (req: unknown, o: object) => AsyncIterable<unknown>).call(app, init, {
    headers,
    signal: abort.signal,
  });
  const reading = (async () => {
    // Drain: an allowed tail yields nothing until it is aborted.
    for await (const message of stream) assert.fail(`an empty part's tail sent ${String(message)}`);
  })();
  try {
    await Promise.race([reading, waitForTails(s, before + 1)]);
  } finally {
    abort.abort();
    await reading.catch(() => undefined);
    await waitForTails(s, before);
  }
}

async function token(s: TestServer, key: ApiKeyCredentials): Promise<string> {
  const auth = createClient(AuthService, createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' }));
  return (await auth.authenticate({ entity: key.id, credentials: { type: 'api-key', payload: key.key } })).accessToken;
}

await describeEngines('authorization matrix', (server) => {
  let app: Client<typeof AppService>;
  let streamingApp: Client<typeof AppService>;
  let otherToken: string;
  let adminUserId: string;

  before(async () => {
    const s = server();
    app = createClient(AppService, createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' }));
    // Client streams need HTTP/2.
    streamingApp = createClient(AppService, createGrpcTransport({ baseUrl: s.url, httpVersion: '2' }));
    const other = await s.client.createOrganization('Someone else');
    otherToken = await token(s, await newKey(s.client, other.id, { role: 'owner', resourceType: 'organization', resourceId: other.id }));
    adminUserId = await s.client.getUserIdByEmail(s.admin.email);
  });

  async function world(): Promise<World> {
    const s = server();
    // Created by the administrator as a user, who is then a member the world's keys can look up by email.
    const c = await s.connect({ type: 'password', email: s.admin.email, password: s.admin.password });
    const org = await c.createOrganization('Matrix org');
    const location = await c.createLocation(org.id, 'Matrix location');
    const child = await c.createLocation(org.id, 'Empty child', location.id);
    const robotId = await c.newRobot('matrix-robot', location.id);
    const sidePartId = await c.newRobotPart(robotId, 'side-part');
    const [main] = (await c.getRobotParts(robotId)).filter((p) => p.mainPart);
    assert.ok(main);
    const withSecret = await c.createRobotPartSecret(main.id);
    const secondSecretId = withSecret.secrets[1]?.id ?? '';
    const owner = await newKey(c, org.id, { role: 'owner', resourceType: 'organization', resourceId: org.id });
    const operator = await newKey(c, org.id, { role: 'operator', resourceType: 'location', resourceId: location.id });
    const key = await newKey(c, org.id, { role: 'operator', resourceType: 'location', resourceId: location.id });
    const secondLocationSecretId = (await c.createLocationSecret(location.id)).secrets[1]?.id ?? '';
    const fragment = await c.createFragment(org.id, 'Matrix fragment', { components: [] });
    const [moduleId] = await c.createModule(org.id, 'matrix-module');
    await c.updateModule(moduleId, '', 'a module', [], 'run');
    await c.updateFragment(fragment.id, 'Matrix fragment', { config: { debug: true } });
    const inviteEmail = `invitee-${fragment.id.slice(0, 8)}@example.com`;
    await c.createOrganizationInvite(org.id, inviteEmail, [inviteRole(org.id, 'location', location.id)], false);
    const shared = await c.createOrganization('Matrix partner');
    await c.shareLocation(shared.id, location.id);
    return {
      secondLocationSecretId,
      fragmentId: fragment.id,
      moduleId,
      inviteEmail,
      sharedOrgId: shared.id,
      orgId: org.id,
      locationId: location.id,
      childLocationId: child.id,
      robotId,
      mainPartId: main.id,
      mainPartName: main.name,
      sidePartId,
      secondSecretId,
      keyId: key.id,
      adminUserId,
      tokens: { owner: await token(s, owner), operator: await token(s, operator), other: otherToken },
    };
  }

  const implemented = (Object.keys(METHODS) as AppMethodName[]).filter((m) => METHODS[m] !== 'unimplemented');

  it('has a sample request for every implemented method', () => {
    assert.deepEqual(
      implemented.filter((m) => SAMPLES[m] === undefined),
      [],
      'add a SAMPLES entry for each new method',
    );
  });

  for (const method of implemented) {
    it(`${method}: none → UNAUTHENTICATED, other org → NOT_FOUND, operator and owner per role`, async () => {
      const sample = SAMPLES[method];
      if (sample === undefined) throw new Error(`no sample for ${method}`);
      const w = await world();
      const info = AppService.methods[method];
      const init = sample(w);
      const entry = METHODS[method];
      const checks =
        entry !== 'unimplemented' && 'requires' in entry
          ? [(entry.requires as (r: unknown) => Check | Check[])(new info.I(init))].flat()
          : [];
      const call = app[method] as unknown as (req: unknown, options: { headers: Record<string, string> }) => Promise<unknown>;
      const got: Record<string, string> = {};
      const want: Record<string, string> = {};
      for (const actor of ACTORS) {
        const headers: Record<string, string> = actor === 'none' ? {} : { authorization: `Bearer ${w.tokens[actor]}` };
        let code: Code | 0 = 0;
        try {
          if (info.kind === MethodKind.ServerStreaming) await openStream(server(), app, method, init, headers);
          else if (info.kind === MethodKind.ClientStreaming) await clientStream(streamingApp, method, init, headers);
          else await call.call(app, init, { headers });
        } catch (err) {
          code = codeOf(err) ?? Code.Unknown;
        }
        got[actor] = Code[code] ?? 'OK';
        want[actor] = Code[expectedFor(actor, checks, method)] ?? 'OK';
      }
      if (OPERATOR_DENIED.has(method)) assert.equal(want.operator, 'PermissionDenied', `${method} must be closed to operators`);
      if (OPERATOR_ALLOWED.has(method)) assert.equal(want.operator, 'OK', `${method} must be open to operators`);
      assert.deepEqual(got, want);
    });
  }

  it('answers UNIMPLEMENTED, naming the method, for every method not built yet', async () => {
    const s = server();
    const t = await token(s, { id: s.admin.apiKeyId, key: s.admin.apiKey });
    const pending = (Object.keys(METHODS) as AppMethodName[]).filter(
      (m) => METHODS[m] === 'unimplemented' && AppService.methods[m].kind === MethodKind.Unary,
    );
    assert.ok(pending.length > 0);
    for (const method of pending) {
      const call = app[method] as unknown as (req: unknown, options: { headers: Record<string, string> }) => Promise<unknown>;
      await assert.rejects(call.call(app, {}, { headers: { authorization: `Bearer ${t}` } }), (err: unknown) => {
        assert.equal(codeOf(err), Code.Unimplemented, method);
        assert.match((err as Error).message, new RegExp(AppService.methods[method].name));
        return true;
      });
    }
  });

  // hangar.account.v1.AccountService acts on the caller's own account: it needs a user's token, and an
  // API key (which has neither a password nor user sessions) is told what to do instead.
  const ACCOUNT_SAMPLES: Record<keyof typeof ACCOUNT_METHODS, (password: string) => PartialMessage<any>> = {
    changePassword: (password) => ({ currentPassword: password, newPassword: `${password}-changed` }),
    logOutEverywhere: () => ({}),
  };
  for (const method of Object.keys(ACCOUNT_METHODS) as (keyof typeof ACCOUNT_METHODS)[]) {
    it(`AccountService.${method}: none → UNAUTHENTICATED, API keys → INVALID_ARGUMENT, the user → OK`, async () => {
      const s = server();
      assert.deepEqual(ACCOUNT_METHODS[method], { access: 'signed_in' });
      const person = await insertUser(s);
      const userToken = (
        await createClient(AuthService, createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' })).authenticate({
          entity: person.email,
          credentials: { type: 'password', payload: person.password },
        })
      ).accessToken;
      const account = createClient(AccountService, createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' }));
      const call = account[method] as unknown as (req: unknown, options: { headers: Record<string, string> }) => Promise<unknown>;
      const outcomeOf = async (headers: Record<string, string>) => {
        try {
          await call.call(account, ACCOUNT_SAMPLES[method](person.password), { headers });
          return 'OK';
        } catch (err) {
          return Code[codeOf(err) ?? Code.Unknown];
        }
      };
      assert.deepEqual(
        {
          none: await outcomeOf({}),
          key: await outcomeOf({ authorization: `Bearer ${otherToken}` }),
          user: await outcomeOf({ authorization: `Bearer ${userToken}` }),
        },
        { none: 'Unauthenticated', key: 'InvalidArgument', user: 'OK' },
      );
    });
  }
});
