/**
 * Every AppService method, once, with what it needs: the route builder wraps each handler with its entry
 * (authenticate → resolve target → policy → handler), and the authorization matrix test iterates this
 * table. Leaving a method out does not compile.
 */
import { ADMIN_ACTION, invalid, parseAuthorization, parseId, type Action, type AuthorizationInput } from '@hangar/domain';
import type { AppService } from '@hangar/wire';
import type { Check, Target } from './access.js';

type AppMethods = (typeof AppService)['methods'];
export type AppMethodName = keyof AppMethods;
export type RequestOf<M extends AppMethodName> = InstanceType<AppMethods[M]['I']>;

export type MethodEntry<Req> =
  | 'unimplemented'
  /** Any authenticated caller; the handler filters what it returns by what the caller can see. */
  | { readonly access: 'signed_in' }
  | { readonly requires: (req: Req) => Check | readonly Check[] };

export type MethodTable = { readonly [M in AppMethodName]: MethodEntry<RequestOf<M>> };

const on =
  <Req>(action: Action, target: (req: Req) => Target) =>
  (req: Req): Check => ({ action, target: target(req) });

const org = (field: string, id: string): Target => ({ organization: parseId(field, id) });
const loc = (field: string, id: string): Target => ({ location: parseId(field, id) });
const signedIn = { access: 'signed_in' } as const;

/** Handing out a role needs admin rights on the resource it is for. */
function grantChecks(list: readonly AuthorizationInput[]): Check[] {
  if (list.length === 0) throw invalid('authorizations must list at least one role for the key');
  return list.map((a, i) => {
    const grant = parseAuthorization(a, `authorizations[${i}]`);
    const target: Target =
      grant.resourceType === 'organization' ? { organization: grant.resourceId } : grant.resourceType === 'location' ? { location: grant.resourceId } : { robot: grant.resourceId };
    return { action: ADMIN_ACTION[grant.resourceType], target };
  });
}

export const METHODS: MethodTable = {
  // Users
  getUserIDByEmail: signedIn,

  // Organizations
  createOrganization: signedIn,
  listOrganizations: signedIn,
  getOrganizationsWithAccessToLocation: { requires: on('location.read', (r) => loc('location_id', r.locationId)) },
  listOrganizationsByUser: signedIn,
  searchOrganizations: 'unimplemented',
  getOrganization: { requires: on('org.read', (r) => org('organization_id', r.organizationId)) },
  getOrganizationNamespaceAvailability: signedIn,
  updateOrganization: { requires: on('org.admin', (r) => org('organization_id', r.organizationId)) },
  updateOrganizationNamespace: 'unimplemented',
  deleteOrganization: { requires: on('org.admin', (r) => org('organization_id', r.organizationId)) },
  getOrganizationMetadata: 'unimplemented',
  updateOrganizationMetadata: 'unimplemented',
  listOrganizationMembers: { requires: on('org.read', (r) => org('organization_id', r.organizationId)) },
  createOrganizationInvite: 'unimplemented',
  updateOrganizationInviteAuthorizations: 'unimplemented',
  deleteOrganizationMember: 'unimplemented',
  deleteOrganizationInvite: 'unimplemented',
  resendOrganizationInvite: 'unimplemented',
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
  updateLocation: {
    requires: (r) => [
      { action: 'location.admin', target: loc('location_id', r.locationId) },
      ...(r.parentLocationId !== undefined && r.parentLocationId !== ''
        ? [{ action: 'location.admin' as const, target: loc('parent_location_id', r.parentLocationId) }]
        : []),
    ],
  },
  deleteLocation: { requires: on('location.admin', (r) => loc('location_id', r.locationId)) },
  getLocationMetadata: 'unimplemented',
  updateLocationMetadata: 'unimplemented',
  listLocations: { requires: on('org.read', (r) => org('organization_id', r.organizationId)) },
  shareLocation: 'unimplemented',
  unshareLocation: 'unimplemented',
  locationAuth: 'unimplemented',
  createLocationSecret: 'unimplemented',
  deleteLocationSecret: 'unimplemented',

  // Machines and parts
  getRobot: 'unimplemented',
  getRobotMetadata: 'unimplemented',
  updateRobotMetadata: 'unimplemented',
  getRoverRentalRobots: 'unimplemented',
  getRobotParts: 'unimplemented',
  getRobotPart: 'unimplemented',
  getRobotPartByNameAndLocation: 'unimplemented',
  getRobotPartLogs: 'unimplemented',
  tailRobotPartLogs: 'unimplemented',
  getRobotPartHistory: 'unimplemented',
  updateRobotPart: 'unimplemented',
  newRobotPart: 'unimplemented',
  deleteRobotPart: 'unimplemented',
  getRobotPartMetadata: 'unimplemented',
  updateRobotPartMetadata: 'unimplemented',
  getRobotAPIKeys: 'unimplemented',
  markPartAsMain: 'unimplemented',
  markPartForRestart: 'unimplemented',
  createRobotPartSecret: 'unimplemented',
  deleteRobotPartSecret: 'unimplemented',
  listRobots: 'unimplemented',
  listRobotsForLocations: 'unimplemented',
  listRobotsForOrg: 'unimplemented',
  newRobot: 'unimplemented',
  updateRobot: 'unimplemented',
  deleteRobot: 'unimplemented',

  // Fragments
  listFragments: 'unimplemented',
  getFragment: 'unimplemented',
  createFragment: 'unimplemented',
  updateFragment: 'unimplemented',
  deleteFragment: 'unimplemented',
  listNestedFragments: 'unimplemented',
  listMachineFragments: 'unimplemented',
  listMachineSummaries: 'unimplemented',
  getFragmentHistory: 'unimplemented',
  getFragmentUsage: 'unimplemented',
  setFragmentTag: 'unimplemented',
  deleteFragmentTag: 'unimplemented',

  // Roles
  addRole: 'unimplemented',
  removeRole: 'unimplemented',
  changeRole: 'unimplemented',
  listAuthorizations: 'unimplemented',
  checkPermissions: 'unimplemented',

  // Registry
  getRegistryItem: 'unimplemented',
  createRegistryItem: 'unimplemented',
  updateRegistryItem: 'unimplemented',
  listRegistryItems: 'unimplemented',
  deleteRegistryItem: 'unimplemented',
  renameRegistryItem: 'unimplemented',
  transferRegistryItem: 'unimplemented',
  createModule: 'unimplemented',
  updateModule: 'unimplemented',
  uploadModuleFile: 'unimplemented',
  getModule: 'unimplemented',
  listModules: 'unimplemented',

  // API keys: the caller must be able to hand out every role the key would carry.
  createKey: { requires: (r) => grantChecks(r.authorizations) },
  deleteKey: 'unimplemented',
  listKeys: 'unimplemented',
  renameKey: 'unimplemented',
  rotateKey: 'unimplemented',
  createKeyFromExistingKeyAuthorizations: 'unimplemented',

  // Apps
  getAppContent: 'unimplemented',
  getAppBranding: 'unimplemented',
};
