/**
 * Every AppService method, once, with what it needs: the route builder wraps each handler with its entry
 * (authenticate → resolve target → policy → handler), and the authorization matrix test iterates this
 * table. Leaving a method out does not compile.
 */
import { ADMIN_ACTION, invalid, parseAuthorization, parseId, truncate, type Action, type AuthorizationInput } from '@hangar/domain';
import type {
  AccountService,
  AppService,
  DataService,
  DatasetService,
  ReadingsExportService,
  DataSyncService,
  EffectiveConfigService,
  InviteAdminService,
  PackageService,
  RobotService,
} from '@hangar/wire';
import { targetOfResource, type Check, type Target } from './access.js';
import type { ServiceMethodTable } from './routes.js';

type AppMethods = (typeof AppService)['methods'];
export type AppMethodName = keyof AppMethods;
export type RequestOf<M extends AppMethodName> = InstanceType<AppMethods[M]['I']>;

/** Requests larger than an ordinary call's: configs, lists of ids, batches of log entries (see routes.ts#requestLimit). */
export type RequestSize = 'config' | 'list' | 'logs' | 'upload';

export type MethodEntry<Req> =
  | 'unimplemented'
  /** Any authenticated caller; the handler filters what it returns by what the caller can see. */
  | { readonly access: 'signed_in'; readonly size?: RequestSize }
  /** Users, and API keys that administer their own organization (creating organizations). */
  | { readonly access: 'home_org_admin'; readonly size?: RequestSize }
  | { readonly requires: (req: Req) => Check | readonly Check[]; readonly size?: RequestSize };

export type MethodTable = { readonly [M in AppMethodName]: MethodEntry<RequestOf<M>> };

const on =
  <Req>(action: Action, target: (req: Req) => Target) =>
  (req: Req): Check => ({ action, target: target(req) });

const org = (field: string, id: string): Target => ({ organization: parseId(field, id) });
const loc = (field: string, id: string): Target => ({ location: parseId(field, id) });
const robot = (field: string, id: string): Target => ({ robot: parseId(field, id) });
const part = (field: string, id: string): Target => ({ part: parseId(field, id) });
/** A fragment: checked as its organization, but readable by anyone when public or unlisted (see access.ts). */
const fragment = (field: string, id: string): Target => ({ fragment: parseId(field, id) });
/** A registry item by `<namespace or organization id>:<name>` (see access.ts). */
const item = (field: string, id: string): Target => ({ registryItem: id, field });
/** The same, named as a package: NOT_FOUND says "package not found", the words the seed-era CLI looks for. */
const pkg = (field: string, id: string): Target => ({ registryItem: id, field, noun: 'package' });
/** A dataset: checked as its organization (see access.ts). */
const dataset = (field: string, id: string): Target => ({ dataset: parseId(field, id) });
/** Checked against every role the key holds (see access.ts); the action is nominal. */
const key = (field: string, id: string): Target => ({ apiKey: parseId(field, id) });

function required<T>(field: string, value: T | undefined): T {
  if (value === undefined) throw invalid(`${field} is required`);
  return value;
}
const signedIn = { access: 'signed_in' } as const;
const MAX_LOCATIONS_PER_CALL = 100;

/**
 * Handing out a role needs admin rights on the resource it is for, and the resource must belong to the
 * organization the role is filed under: otherwise an owner elsewhere could file a role in an organization
 * it is no member of and read that organization through it.
 */
function grantChecks(roles: readonly (readonly [field: string, role: AuthorizationInput])[]): Check[] {
  return roles.flatMap(([field, a]) => {
    const grant = parseAuthorization(a, field);
    return [
      { action: 'org.read', target: { organization: grant.organizationId } },
      {
        action: ADMIN_ACTION[grant.resourceType],
        target: targetOfResource(grant.resourceType, grant.resourceId),
        inOrganization: grant.organizationId,
      },
    ];
  });
}

/**
 * Managing an organization's invites is for its owners; the roles an invite carries must be ones the
 * caller could hand out itself, on resources of that organization.
 */
function inviteChecks(organizationId: string, list: readonly AuthorizationInput[], field: string): Check[] {
  return [
    { action: 'org.admin', target: org('organization_id', organizationId) },
    ...grantChecks(
      list.map((a, i) => {
        const at = `${field}[${i}]`;
        if (a.organizationId !== '' && a.organizationId !== organizationId) {
          throw invalid(
            `${at}.organization_id must be the invite's organization ${organizationId}, got ${JSON.stringify(truncate(a.organizationId))}`,
          );
        }
        return [at, { ...a, organizationId }] as const;
      }),
    ),
  ];
}

function keyGrantChecks(list: readonly AuthorizationInput[]): Check[] {
  if (list.length === 0) throw invalid('authorizations must list at least one role for the key');
  return grantChecks(list.map((a, i) => [`authorizations[${i}]`, a] as const));
}

export const METHODS: MethodTable = {
  // Users
  getUserIDByEmail: signedIn,

  // Organizations
  createOrganization: { access: 'home_org_admin' },
  listOrganizations: signedIn,
  getOrganizationsWithAccessToLocation: { requires: on('location.read', (r) => loc('location_id', r.locationId)) },
  listOrganizationsByUser: signedIn,
  searchOrganizations: 'unimplemented',
  getOrganization: { requires: on('org.read', (r) => org('organization_id', r.organizationId)) },
  getOrganizationNamespaceAvailability: signedIn,
  updateOrganization: { requires: on('org.admin', (r) => org('organization_id', r.organizationId)) },
  updateOrganizationNamespace: 'unimplemented',
  deleteOrganization: { requires: on('org.admin', (r) => org('organization_id', r.organizationId)) },
  getOrganizationMetadata: { requires: on('org.read', (r) => org('organization_id', r.organizationId)) },
  updateOrganizationMetadata: { requires: on('org.admin', (r) => org('organization_id', r.organizationId)), size: 'config' },
  listOrganizationMembers: { requires: on('org.read', (r) => org('organization_id', r.organizationId)) },
  createOrganizationInvite: { requires: (r) => inviteChecks(r.organizationId, r.authorizations, 'authorizations') },
  updateOrganizationInviteAuthorizations: {
    requires: (r) => [
      ...inviteChecks(r.organizationId, r.addAuthorizations, 'add_authorizations'),
      ...inviteChecks(r.organizationId, r.removeAuthorizations, 'remove_authorizations').slice(1),
    ],
  },
  deleteOrganizationMember: { requires: on('org.admin', (r) => org('organization_id', r.organizationId)) },
  deleteOrganizationInvite: { requires: on('org.admin', (r) => org('organization_id', r.organizationId)) },
  resendOrganizationInvite: { requires: on('org.admin', (r) => org('organization_id', r.organizationId)) },
  enableBillingService: 'unimplemented',
  disableBillingService: 'unimplemented',
  updateBillingService: 'unimplemented',
  getBillingServiceConfig: 'unimplemented',
  organizationSetSupportEmail: 'unimplemented',
  organizationGetSupportEmail: 'unimplemented',
  organizationSetLogo: 'unimplemented',
  organizationGetLogo: 'unimplemented',
  enableAuthService: 'unimplemented',
  disableAuthService: 'unimplemented',
  createOAuthApp: 'unimplemented',
  readOAuthApp: 'unimplemented',
  updateOAuthApp: 'unimplemented',
  deleteOAuthApp: 'unimplemented',
  listOAuthApps: 'unimplemented',

  // Locations
  createLocation: {
    requires: (r) =>
      r.parentLocationId !== undefined && r.parentLocationId !== ''
        ? [
            { action: 'org.read', target: org('organization_id', r.organizationId) },
            { action: 'location.admin', target: loc('parent_location_id', r.parentLocationId) },
          ]
        : { action: 'org.admin', target: org('organization_id', r.organizationId) },
  },
  getLocation: { requires: on('location.read', (r) => loc('location_id', r.locationId)) },
  // Moving under a parent needs admin rights on both; moving to the top level, where only organization
  // owners may create locations, needs them on the organization.
  updateLocation: {
    requires: (r) => [
      { action: 'location.admin', target: loc('location_id', r.locationId) },
      ...(r.parentLocationId === undefined
        ? []
        : r.parentLocationId === ''
          ? [{ action: 'org.admin' as const, target: { organizationOfLocation: r.locationId } }]
          : [{ action: 'location.admin' as const, target: loc('parent_location_id', r.parentLocationId) }]),
    ],
  },
  deleteLocation: { requires: on('location.admin', (r) => loc('location_id', r.locationId)) },
  getLocationMetadata: { requires: on('location.read', (r) => loc('location_id', r.locationId)) },
  updateLocationMetadata: { requires: on('location.admin', (r) => loc('location_id', r.locationId)), size: 'config' },
  listLocations: { requires: on('org.read', (r) => org('organization_id', r.organizationId)) },
  // Sharing hands the location to another organization the caller belongs to; the owner stays in charge.
  shareLocation: {
    requires: (r) => [
      { action: 'location.admin', target: loc('location_id', r.locationId) },
      { action: 'org.read', target: org('organization_id', r.organizationId) },
    ],
  },
  // Any organization the location is shared with can be cut off by its owners, whether or not they belong to it.
  unshareLocation: { requires: on('location.admin', (r) => loc('location_id', r.locationId)) },
  // Location secrets let a machine act for the location: owners only.
  locationAuth: { requires: on('location.admin', (r) => loc('location_id', r.locationId)) },
  createLocationSecret: { requires: on('location.admin', (r) => loc('location_id', r.locationId)) },
  deleteLocationSecret: { requires: on('location.admin', (r) => loc('location_id', r.locationId)) },

  // Machines and parts
  getRobot: { requires: on('robot.read', (r) => robot('id', r.id)) },
  getRobotMetadata: { requires: on('robot.read', (r) => robot('id', r.id)) },
  updateRobotMetadata: { requires: on('robot.write', (r) => robot('id', r.id)), size: 'config' },
  getRoverRentalRobots: { requires: on('org.read', (r) => org('org_id', r.orgId)) },
  getRobotParts: { requires: on('robot.read', (r) => robot('robot_id', r.robotId)) },
  getRobotPart: { requires: on('robot.read', (r) => part('id', r.id)) },
  getRobotPartByNameAndLocation: { requires: on('robot.read', (r) => loc('location_id', r.locationId)) },
  getRobotPartLogs: { requires: on('logs.read', (r) => part('id', r.id)) },
  tailRobotPartLogs: { requires: on('logs.read', (r) => part('id', r.id)) },
  getRobotPartHistory: { requires: on('robot.read', (r) => part('id', r.id)) },
  updateRobotPart: { requires: on('robot.write', (r) => part('id', r.id)), size: 'config' },
  newRobotPart: { requires: on('robot.write', (r) => robot('robot_id', r.robotId)) },
  deleteRobotPart: { requires: on('robot.write', (r) => part('part_id', r.partId)) },
  getRobotPartMetadata: { requires: on('robot.read', (r) => part('id', r.id)) },
  updateRobotPartMetadata: { requires: on('robot.write', (r) => part('id', r.id)), size: 'config' },
  getRobotAPIKeys: { requires: on('robot.write', (r) => robot('robot_id', r.robotId)) },
  markPartAsMain: { requires: on('robot.write', (r) => part('part_id', r.partId)) },
  markPartForRestart: { requires: on('robot.operate', (r) => part('part_id', r.partId)) },
  createRobotPartSecret: { requires: on('robot.write', (r) => part('part_id', r.partId)) },
  deleteRobotPartSecret: { requires: on('robot.write', (r) => part('part_id', r.partId)) },
  listRobots: { requires: on('robot.read', (r) => loc('location_id', r.locationId)) },
  listRobotsForLocations: {
    size: 'list',
    requires: (r) => {
      if (r.locationIds.length > MAX_LOCATIONS_PER_CALL)
        throw invalid(`location_ids may list at most ${MAX_LOCATIONS_PER_CALL} locations, got ${r.locationIds.length}`);
      return r.locationIds.map((id, i) => ({ action: 'robot.read' as const, target: loc(`location_ids[${i}]`, id) }));
    },
  },
  // Answers with the machines the caller can see in the organization.
  listRobotsForOrg: { requires: on('org.read', (r) => org('org_id', r.orgId)) },
  newRobot: { requires: on('robot.write', (r) => loc('location', r.location)) },
  // Python sends `location: ""` when the caller gave none: that means "stay where it is".
  updateRobot: {
    requires: (r) => [
      { action: 'robot.write', target: robot('id', r.id) },
      ...(r.location !== '' ? [{ action: 'robot.write' as const, target: loc('location', r.location) }] : []),
    ],
  },
  deleteRobot: { requires: on('robot.write', (r) => robot('id', r.id)) },

  // Fragments
  // The organization's own fragments, and every listed public one (the handler filters).
  listFragments: { requires: on('org.read', (r) => org('organization_id', r.organizationId)) },
  // Public and unlisted fragments are for every signed-in caller; private ones for the organization's members.
  getFragment: { requires: on('org.read', (r) => fragment('id', r.id)) },
  createFragment: { requires: on('org.admin', (r) => org('organization_id', r.organizationId)), size: 'config' },
  updateFragment: { requires: on('org.admin', (r) => fragment('id', r.id)), size: 'config' },
  deleteFragment: { requires: on('org.admin', (r) => fragment('id', r.id)) },
  listNestedFragments: 'unimplemented',
  listMachineFragments: { requires: on('robot.read', (r) => robot('machine_id', r.machineId)), size: 'list' },
  // Answers with what the caller can see in the organization.
  listMachineSummaries: { requires: on('org.read', (r) => org('organization_id', r.organizationId)), size: 'list' },
  getFragmentHistory: { requires: on('org.read', (r) => fragment('id', r.id)) },
  getFragmentUsage: 'unimplemented',
  setFragmentTag: 'unimplemented',
  deleteFragmentTag: 'unimplemented',

  // Roles
  addRole: { requires: (r) => grantChecks([['authorization', required('authorization', r.authorization)]]) },
  removeRole: { requires: (r) => grantChecks([['authorization', required('authorization', r.authorization)]]) },
  changeRole: {
    requires: (r) =>
      grantChecks([
        ['old_authorization', required('old_authorization', r.oldAuthorization)],
        ['new_authorization', required('new_authorization', r.newAuthorization)],
      ]),
  },
  listAuthorizations: { requires: on('org.admin', (r) => org('organization_id', r.organizationId)), size: 'list' },
  // Answers only with what the caller holds, so it needs no rights of its own.
  checkPermissions: { access: 'signed_in', size: 'list' },

  // Registry: public and unlisted items are readable by every signed-in caller, private ones by their
  // organization; changing an item needs owner rights on its organization.
  getRegistryItem: { requires: on('org.read', (r) => item('item_id', r.itemId)) },
  createRegistryItem: { requires: on('org.admin', (r) => org('organization_id', r.organizationId)) },
  updateRegistryItem: { requires: on('org.admin', (r) => item('item_id', r.itemId)) },
  // Without an organization: every public item, and those of the caller's organizations (the handler filters).
  listRegistryItems: {
    size: 'list',
    requires: (r) =>
      r.organizationId === undefined || r.organizationId === ''
        ? []
        : { action: 'org.read', target: org('organization_id', r.organizationId) },
  },
  deleteRegistryItem: { requires: on('org.admin', (r) => item('item_id', r.itemId)) },
  renameRegistryItem: 'unimplemented',
  transferRegistryItem: 'unimplemented',
  createModule: { requires: on('org.admin', (r) => org('organization_id', r.organizationId)) },
  updateModule: { requires: on('org.admin', (r) => item('module_id', r.moduleId)), size: 'list' },
  // Authorized on the stream's first message, which names the module.
  uploadModuleFile: {
    size: 'upload',
    requires: (r) => {
      if (r.moduleFile.case !== 'moduleFileInfo')
        throw invalid('the first message must be module_file_info: which module, version and platform');
      return { action: 'org.admin', target: item('module_file_info.module_id', r.moduleFile.value.moduleId) };
    },
  },
  getModule: { requires: on('org.read', (r) => item('module_id', r.moduleId)) },
  listModules: {
    requires: (r) =>
      r.organizationId === undefined || r.organizationId === ''
        ? []
        : { action: 'org.read', target: org('organization_id', r.organizationId) },
  },

  // API keys: the caller must be able to hand out every role the key would carry.
  createKey: { requires: (r) => keyGrantChecks(r.authorizations) },
  deleteKey: { requires: on('org.admin', (r) => key('id', r.id)) },
  listKeys: { requires: on('org.admin', (r) => org('org_id', r.orgId)) },
  renameKey: { requires: on('org.admin', (r) => key('id', r.id)) },
  rotateKey: { requires: on('org.admin', (r) => key('id', r.id)) },
  createKeyFromExistingKeyAuthorizations: { requires: on('org.admin', (r) => key('id', r.id)) },

  // Apps
  getAppContent: 'unimplemented',
  getAppBranding: 'unimplemented',
};

/** hangar.account.v1.AccountService: each call acts on the caller's own account only. */
export const ACCOUNT_METHODS: ServiceMethodTable<typeof AccountService> = {
  changePassword: signedIn,
  logOutEverywhere: signedIn,
};

/** hangar.invite.v1.InviteAdminService: the accept links of pending invites, for owners to pass on. */
export const INVITE_ADMIN_METHODS: ServiceMethodTable<typeof InviteAdminService> = {
  listInviteLinks: { requires: on('org.admin', (r) => org('organization_id', r.organizationId)) },
};

/** hangar.config.v1.EffectiveConfigService: reading a part's merged config is reading the machine's config. */
export const EFFECTIVE_CONFIG_METHODS: ServiceMethodTable<typeof EffectiveConfigService> = {
  getEffectiveConfig: { requires: on('robot.read', (r) => part('part_id', r.partId)) },
};

/**
 * viam.app.v1.RobotService: what machines call. Log takes a credential allowed to write the part's logs
 * (an owner, or an API key with a role on the machine itself); the rest comes with machine credentials.
 */
export const ROBOT_METHODS: ServiceMethodTable<typeof RobotService> = {
  config: { requires: on('machine.self', (r) => part('id', r.id)) },
  certificate: { requires: on('machine.self', (r) => part('id', r.id)) },
  log: { requires: on('logs.write', (r) => part('id', r.id)), size: 'logs' },
  needsRestart: { requires: on('machine.self', (r) => part('id', r.id)) },
};

/**
 * viam.app.packages.v1.PackageService: machines download what their config names (their organization's
 * packages and public ones); uploading and deleting needs owner rights on the package's organization.
 */
export const PACKAGE_METHODS: ServiceMethodTable<typeof PackageService> = {
  createPackage: {
    size: 'upload',
    requires: (r) => {
      if (r.package.case !== 'info') throw invalid('the first message must be info: the package organization, name, version and type');
      return { action: 'org.admin', target: org('info.organization_id', r.package.value.organizationId) };
    },
  },
  getPackage: { requires: on('org.read', (r) => pkg('id', r.id)) },
  listPackages: { requires: on('org.read', (r) => org('organization_id', r.organizationId)) },
  deletePackage: { requires: on('org.admin', (r) => pkg('id', r.id)) },
};

/**
 * viam.app.data.v1.DataService. Queries and deletes by filter or id answer only with (and act only on) the
 * data the caller's grants reach, so they need no target of their own: reading takes any role, deleting
 * owner rights (the service confines each by its action). Deleting an organization's readings takes
 * owner rights on it.
 */
export const DATA_METHODS: ServiceMethodTable<typeof DataService> = {
  tabularDataByFilter: { access: 'signed_in' },
  tabularDataBySQL: { requires: on('data.admin', (r) => org('organization_id', r.organizationId)) },
  tabularDataByMQL: { requires: on('data.admin', (r) => org('organization_id', r.organizationId)) },
  exportTabularData: { requires: on('data.read', (r) => part('part_id', r.partId)) },
  getLatestTabularData: { requires: on('data.read', (r) => part('part_id', r.partId)) },
  binaryDataByFilter: { access: 'signed_in' },
  binaryDataByIDs: { access: 'signed_in', size: 'list' },
  deleteTabularData: { requires: on('data.admin', (r) => org('organization_id', r.organizationId)) },
  deleteBinaryDataByFilter: { access: 'signed_in' },
  deleteBinaryDataByIDs: { access: 'signed_in', size: 'list' },
  addTagsToBinaryDataByIDs: { access: 'signed_in', size: 'list' },
  addTagsToBinaryDataByFilter: { access: 'signed_in' },
  removeTagsFromBinaryDataByIDs: { access: 'signed_in', size: 'list' },
  removeTagsFromBinaryDataByFilter: { access: 'signed_in' },
  tagsByFilter: { access: 'signed_in' },
  addBoundingBoxToImageByID: { access: 'signed_in' },
  removeBoundingBoxFromImageByID: { access: 'signed_in' },
  boundingBoxLabelsByFilter: { access: 'signed_in' },
  updateBoundingBox: { access: 'signed_in' },
  getDatabaseConnection: { requires: on('data.admin', (r) => org('organization_id', r.organizationId)) },
  configureDatabaseUser: { requires: on('data.admin', (r) => org('organization_id', r.organizationId)) },
  addBinaryDataToDatasetByIDs: { requires: on('data.admin', (r) => dataset('dataset_id', r.datasetId)), size: 'list' },
  removeBinaryDataFromDatasetByIDs: { requires: on('data.admin', (r) => dataset('dataset_id', r.datasetId)), size: 'list' },
  createIndex: 'unimplemented',
  listIndexes: 'unimplemented',
  deleteIndex: 'unimplemented',
  createSavedQuery: 'unimplemented',
  updateSavedQuery: 'unimplemented',
  getSavedQuery: 'unimplemented',
  deleteSavedQuery: 'unimplemented',
  listSavedQueries: 'unimplemented',
  createBinaryDataSignedURL: { access: 'signed_in' },
};

/**
 * viam.app.dataset.v1.DatasetService: datasets belong to an organization; reading them takes any role on
 * it, changing them the owner role. ListDatasetsByIDs answers only those the caller may read.
 */
export const DATASET_METHODS: ServiceMethodTable<typeof DatasetService> = {
  createDataset: { requires: on('data.admin', (r) => org('organization_id', r.organizationId)) },
  deleteDataset: { requires: on('data.admin', (r) => dataset('id', r.id)) },
  renameDataset: { requires: on('data.admin', (r) => dataset('id', r.id)) },
  listDatasetsByOrganizationID: { requires: on('data.read', (r) => org('organization_id', r.organizationId)) },
  listDatasetsByIDs: { access: 'signed_in', size: 'list' },
  mergeDatasets: { requires: on('data.admin', (r) => org('organization_id', r.organizationId)) },
};

/**
 * hangar.data.v1.ReadingsExportService: what TabularDataByFilter reads, as one stream; the service confines
 * it to what the caller may read, page by page, as it does TabularDataByFilter's.
 */
export const READINGS_EXPORT_METHODS: ServiceMethodTable<typeof ReadingsExportService> = {
  exportReadings: { access: 'signed_in' },
};

/** Uploads name their machine part: its own credential, an API key with a role on its machine, or an owner. */
const uploadPart = (meta: { partId: string } | undefined, field: string): Check => {
  if (meta === undefined) throw invalid(`${field} is required: the upload's part, component and method`);
  return { action: 'data.write', target: part(`${field}.part_id`, meta.partId) };
};

/** viam.app.datasync.v1.DataSyncService: client streams are authorized on their first message. */
export const DATASYNC_METHODS: ServiceMethodTable<typeof DataSyncService> = {
  dataCaptureUpload: { size: 'upload', requires: (r) => uploadPart(r.metadata, 'metadata') },
  fileUpload: {
    size: 'upload',
    requires: (r) => {
      if (r.uploadPacket.case !== 'metadata') throw invalid('the first message must be metadata: which part, and the file name');
      return uploadPart(r.uploadPacket.value, 'metadata');
    },
  },
  streamingDataCaptureUpload: {
    size: 'upload',
    requires: (r) => {
      if (r.uploadPacket.case !== 'metadata') throw invalid('the first message must be metadata: upload and sensor metadata');
      return uploadPart(r.uploadPacket.value.uploadMetadata, 'metadata.upload_metadata');
    },
  },
};
