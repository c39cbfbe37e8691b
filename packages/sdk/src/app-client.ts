/**
 * AppClient: the methods and semantics of Viam's Python `AppClient`, in camelCase. Keyword arguments
 * with defaults become an options object; tuples stay tuples. Every failure rejects with HangarError.
 */
import { Struct, Timestamp, type JsonObject } from '@bufbuild/protobuf';
import { Code, createClient, type CallOptions, type Client, type Interceptor } from '@connectrpc/connect';
import { Struct as StructMessage, type PartialMessage } from '@bufbuild/protobuf';
import {
  AccountService,
  appApi as wireAppApi,
  AppService,
  EffectiveConfigService,
  InviteAdminService,
  InviteService,
  PackageService,
  PackageType,
  type appApi,
  type Package,
} from '@hangar/wire';
import { downloadFile, uploadFileOverHttp, type TransferProgress } from './registry-transfer.js';
import { writeFile } from 'node:fs/promises';
import { authenticate, type Credentials } from './auth.js';
import { DataClient } from './data-client.js';
import { HangarError } from './errors.js';
import {
  fragmentFromProto,
  fragmentHistoryEntryFromProto,
  historyEntryFromProto,
  logEntryFromProto,
  robotPartFromProto,
  VISIBILITY_CODES,
  type Fragment,
  type FragmentHistoryEntry,
  type FragmentVisibility,
  type LogEntry,
  type RobotPart,
  type RobotPartHistoryEntry,
} from './models.js';
import { createTransport, type Protocol } from './transport.js';

/** Hangar's pagination for lists whose Viam messages have no page fields (see the server's rpc/paging.ts). */
const PAGE_SIZE_HEADER = 'hangar-page-size';
const PAGE_TOKEN_HEADER = 'hangar-page-token';
const NEXT_PAGE_TOKEN_HEADER = 'hangar-next-page-token';
const RESTART_PENDING_HEADER = 'hangar-restart-pending';

export interface Page<T> {
  readonly items: T[];
  /** "" on the last page. */
  readonly nextPageToken: string;
}

export interface PageOptions {
  readonly pageSize?: number;
  readonly pageToken?: string;
}

export type Role = 'owner' | 'operator';
export type ResourceType = 'organization' | 'location' | 'robot';

/** The Python SDK's APIKeyAuthorization: one role on one resource. */
export interface APIKeyAuthorization {
  readonly role: Role;
  readonly resourceType: ResourceType;
  readonly resourceId: string;
}

/** An authorization as the Python SDK's invite methods take it: viam.proto.app.Authorization. */
export type Authorization = PartialMessage<appApi.Authorization>;

/** An invitation's accept link, for owners to pass on themselves. */
export interface InviteLink {
  readonly email: string;
  readonly link: string;
  /** The command that accepts it: `hangar invite accept --server … <token>`. */
  readonly command: string;
  readonly expiresAt: string;
}

export interface InviteAcceptance {
  readonly organizationId: string;
  readonly organizationName: string;
  readonly email: string;
  /** Set when accepting created the account: a token for it ("" otherwise). */
  readonly accessToken: string;
}

export interface EffectiveConfig {
  /** The part's config merged with its fragments (see the README's fragment rules). */
  readonly config: JsonObject;
  /** Changes exactly when `config` does. */
  readonly revision: string;
  readonly fragments: readonly { readonly id: string; readonly name: string; readonly revision: string }[];
}

/** The options of a log query beyond the part (GetRobotPartLogsRequest's fields). */
export interface LogQueryOptions {
  /** A case-insensitive substring of the message. */
  readonly filter?: string;
  /** Levels to keep (case-insensitive); empty keeps all. */
  readonly logLevels?: readonly string[];
  /** Only error, dpanic, panic and fatal entries. */
  readonly errorsOnly?: boolean;
  /** Entries at or after this instant. */
  readonly start?: Date;
  /** Entries before this instant. */
  readonly end?: Date;
  /** A logger name, or the dotted prefix of one. */
  readonly source?: string;
  /** Leave out debug entries. */
  readonly userFacingOnly?: boolean;
}

const ERROR_LEVELS = ['error', 'dpanic', 'panic', 'fatal'];

/** The error levels, or those of `asked` that are error levels (possibly none). */
function errorLevels(asked: readonly string[] = []): string[] {
  return asked.length === 0 ? ERROR_LEVELS : asked.filter((l) => ERROR_LEVELS.includes(l.toLowerCase()));
}

/** The server's largest page of logs. */
const MAX_LOG_PAGE = 1000;

/** A line of a `dest` file: time, level, logger, caller, message (the Python SDK's layout). */
function logFileLine(e: LogEntry): string {
  const file = typeof e.caller?.File === 'string' ? e.caller.File : '';
  const line = typeof e.caller?.Line === 'number' ? `:${Math.trunc(e.caller.Line)}` : '';
  return `${e.timestamp ?? ''}\t${e.level.toUpperCase()}\t${e.loggerName.split('.')[0] ?? ''}\t${(file + line).padEnd(64)}${e.message}\n`;
}

export interface AppClientOptions {
  /** The server, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly credentials: Credentials;
  readonly protocol?: Protocol;
  /** The location methods default to when called without one (Python's `location_id` at instantiation). */
  readonly locationId?: string;
}

/** The file bytes one UploadModuleFile message carries. */
const UPLOAD_MESSAGE_BYTES = 256 * 1024;

export class AppClient {
  private token = '';

  private constructor(
    private readonly options: AppClientOptions,
    private readonly app: Client<typeof AppService>,
    private readonly hangar: HangarClients,
    private readonly login: () => Promise<string>,
  ) {}

  /** Authenticates once (unless given an access token) and returns a ready client. */
  static async connect(options: AppClientOptions): Promise<AppClient> {
    const bare = createTransport(options.url, options.protocol ?? 'connect');
    let client: AppClient | undefined = undefined;
    const withToken: Interceptor = (next) => async (req) => {
      req.header.set('authorization', `Bearer ${client?.token ?? ''}`);
      return next(req);
    };
    const transport = createTransport(options.url, options.protocol ?? 'connect', [withToken]);
    const login = () => authenticate(bare, options.credentials).catch((err: unknown) => Promise.reject(HangarError.from(err)));
    client = new AppClient(
      options,
      createClient(AppService, transport),
      {
        account: createClient(AccountService, transport),
        invites: createClient(InviteService, transport),
        inviteAdmin: createClient(InviteAdminService, transport),
        effectiveConfig: createClient(EffectiveConfigService, transport),
        packages: createClient(PackageService, transport),
        // Client streams need HTTP/2 (Connect and gRPC-web over HTTP/1.1 cannot stream a request).
        appStream: createClient(AppService, createTransport(options.url, 'grpc', [withToken])),
      },
      login,
    );
    client.token = await login();
    return client;
  }

  /** The access token this client sends (what `hangar login print-access-token` prints). */
  get accessToken(): string {
    return this.token;
  }

  /**
   * Runs a call; with renewable credentials (API key or password) an expired token is renewed once and
   * the call retried, so long-lived clients keep working past the 24-hour token lifetime.
   */
  private async call<T>(fn: (app: Client<typeof AppService>) => Promise<T>): Promise<T> {
    try {
      return await fn(this.app);
    } catch (err) {
      const error = HangarError.from(err);
      if (error.code !== Code.Unauthenticated || this.options.credentials.type === 'access-token' || !error.message.includes('expired'))
        throw error;
      this.token = await this.login();
      try {
        return await fn(this.app);
      } catch (retryErr) {
        throw HangarError.from(retryErr);
      }
    }
  }

  // Account (Hangar's own AccountService: Viam leaves passwords and sessions to its identity provider)

  /**
   * Changes the signed-in user's password. Every earlier token of the user stops working; this client
   * switches to the token minted with the change (see `accessToken`).
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    this.token = (await this.call(() => this.hangar.account.changePassword({ currentPassword, newPassword }))).accessToken;
  }

  /** Ends every session of the signed-in user, this client's included. */
  async logOutEverywhere(): Promise<void> {
    await this.call(() => this.hangar.account.logOutEverywhere({}));
  }

  private locationOrDefault(locationId: string | undefined): string {
    const id = locationId ?? this.options.locationId;
    if (id === undefined || id === '') {
      throw new HangarError(
        Code.InvalidArgument,
        'no location id given, and none was set when the client was created (AppClientOptions.locationId)',
      );
    }
    return id;
  }

  // Users

  async getUserIdByEmail(email: string): Promise<string> {
    return (await this.call((app) => app.getUserIDByEmail({ email }))).userId;
  }

  // Organizations

  async createOrganization(name: string): Promise<appApi.Organization> {
    return required((await this.call((app) => app.createOrganization({ name }))).organization, 'organization');
  }

  /** The organizations the caller holds a role in. */
  async listOrganizations(): Promise<appApi.Organization[]> {
    return (await this.call((app) => app.listOrganizations({}))).organizations;
  }

  async getOrganizationsWithAccessToLocation(locationId: string): Promise<appApi.OrganizationIdentity[]> {
    return (await this.call((app) => app.getOrganizationsWithAccessToLocation({ locationId }))).organizationIdentities;
  }

  async listOrganizationsByUser(userId: string): Promise<appApi.OrgDetails[]> {
    return (await this.call((app) => app.listOrganizationsByUser({ userId }))).orgs;
  }

  async getOrganization(orgId: string): Promise<appApi.Organization> {
    return required((await this.call((app) => app.getOrganization({ organizationId: orgId }))).organization, 'organization');
  }

  /** True if no organization holds the namespace. Namespaces are lowercase letters, digits and dashes. */
  async getOrganizationNamespaceAvailability(publicNamespace: string): Promise<boolean> {
    return (await this.call((app) => app.getOrganizationNamespaceAvailability({ publicNamespace }))).available;
  }

  /** Only the given fields change; a namespace can be set once. */
  async updateOrganization(
    orgId: string,
    changes: { name?: string; publicNamespace?: string; region?: string; cid?: string } = {},
  ): Promise<appApi.Organization> {
    const res = await this.call((app) =>
      app.updateOrganization({
        organizationId: orgId,
        ...(changes.name !== undefined && { name: changes.name }),
        ...(changes.publicNamespace !== undefined && { publicNamespace: changes.publicNamespace }),
        ...(changes.region !== undefined && { region: changes.region }),
        ...(changes.cid !== undefined && { cid: changes.cid }),
      }),
    );
    return required(res.organization, 'organization');
  }

  async deleteOrganization(orgId: string): Promise<void> {
    await this.call((app) => app.deleteOrganization({ organizationId: orgId }));
  }

  /** `[members, invites]`, as the Python SDK returns them. */
  async listOrganizationMembers(orgId: string): Promise<[appApi.OrganizationMember[], appApi.OrganizationInvite[]]> {
    const res = await this.call((app) => app.listOrganizationMembers({ organizationId: orgId }));
    return [res.members, res.invites];
  }

  /**
   * Invites `email` to the organization. Without authorizations the invitee becomes an owner of it, as in
   * the Python SDK. With `sendEmailInvite` false no mail goes out and the roles apply on their next sign-in.
   */
  async createOrganizationInvite(
    orgId: string,
    email: string,
    authorizations: readonly Authorization[] = [],
    sendEmailInvite = true,
  ): Promise<appApi.OrganizationInvite> {
    const res = await this.call((app) =>
      app.createOrganizationInvite({ organizationId: orgId, email, authorizations: [...authorizations], sendEmailInvite }),
    );
    return required(res.invite, 'invite');
  }

  async updateOrganizationInviteAuthorizations(
    orgId: string,
    email: string,
    addAuthorizations: readonly Authorization[] = [],
    removeAuthorizations: readonly Authorization[] = [],
  ): Promise<appApi.OrganizationInvite> {
    const res = await this.call((app) =>
      app.updateOrganizationInviteAuthorizations({
        organizationId: orgId,
        email,
        addAuthorizations: [...addAuthorizations],
        removeAuthorizations: [...removeAuthorizations],
      }),
    );
    return required(res.invite, 'invite');
  }

  async deleteOrganizationMember(orgId: string, userId: string): Promise<void> {
    await this.call((app) => app.deleteOrganizationMember({ organizationId: orgId, userId }));
  }

  async deleteOrganizationInvite(orgId: string, email: string): Promise<void> {
    await this.call((app) => app.deleteOrganizationInvite({ organizationId: orgId, email }));
  }

  async resendOrganizationInvite(orgId: string, email: string): Promise<appApi.OrganizationInvite> {
    const res = await this.call((app) => app.resendOrganizationInvite({ organizationId: orgId, email }));
    return required(res.invite, 'invite');
  }

  /** The accept link of each pending invite (Hangar's own call, for owners). */
  async listInviteLinks(orgId: string): Promise<InviteLink[]> {
    return (await this.call(() => this.hangar.inviteAdmin.listInviteLinks({ organizationId: orgId }))).links;
  }

  /** Accepts an invitation for the signed-in user (whose email it must be). */
  async acceptInvite(token: string): Promise<InviteAcceptance> {
    return this.call(() => this.hangar.invites.acceptInvite({ token, newPassword: '' }));
  }

  /**
   * Accepts an invitation without signing in: for an invitee with no account yet, which this creates with
   * `newPassword` (at least 12 characters). The result carries a token for the new account.
   */
  static async acceptInvite(url: string, token: string, newPassword: string, protocol: Protocol = 'connect'): Promise<InviteAcceptance> {
    try {
      return await createClient(InviteService, createTransport(url, protocol)).acceptInvite({ token, newPassword });
    } catch (err) {
      throw HangarError.from(err);
    }
  }

  async getOrganizationMetadata(orgId: string): Promise<JsonObject> {
    return ((await this.call((app) => app.getOrganizationMetadata({ organizationId: orgId }))).data?.toJson() ?? {}) as JsonObject;
  }

  async updateOrganizationMetadata(orgId: string, data: JsonObject): Promise<void> {
    await this.call((app) => app.updateOrganizationMetadata({ organizationId: orgId, data: StructMessage.fromJson(data) }));
  }

  // Locations

  async createLocation(orgId: string, name: string, parentLocationId?: string): Promise<appApi.Location> {
    const res = await this.call((app) =>
      app.createLocation({ organizationId: orgId, name, ...(parentLocationId !== undefined && { parentLocationId }) }),
    );
    return required(res.location, 'location');
  }

  async getLocation(locationId?: string): Promise<appApi.Location> {
    const id = this.locationOrDefault(locationId);
    return required((await this.call((app) => app.getLocation({ locationId: id }))).location, 'location');
  }

  /**
   * Renames and/or moves a location. An empty or absent name keeps the name; `parentLocationId: ""` moves
   * the location to the top level, an absent one keeps its parent.
   */
  async updateLocation(locationId: string, changes: { name?: string; parentLocationId?: string } = {}): Promise<appApi.Location> {
    const res = await this.call((app) =>
      app.updateLocation({
        locationId,
        ...(changes.name !== undefined && { name: changes.name }),
        ...(changes.parentLocationId !== undefined && { parentLocationId: changes.parentLocationId }),
      }),
    );
    return required(res.location, 'location');
  }

  async deleteLocation(locationId: string): Promise<void> {
    await this.call((app) => app.deleteLocation({ locationId }));
  }

  async listLocations(orgId: string): Promise<appApi.Location[]> {
    return (await this.call((app) => app.listLocations({ organizationId: orgId }))).locations;
  }

  /** Shares the location (and everything in it) with another organization. */
  async shareLocation(organizationId: string, locationId: string): Promise<void> {
    await this.call((app) => app.shareLocation({ organizationId, locationId }));
  }

  async unshareLocation(organizationId: string, locationId: string): Promise<void> {
    await this.call((app) => app.unshareLocation({ organizationId, locationId }));
  }

  async locationAuth(locationId?: string): Promise<appApi.LocationAuth> {
    const id = this.locationOrDefault(locationId);
    return required((await this.call((app) => app.locationAuth({ locationId: id }))).auth, 'auth');
  }

  async createLocationSecret(locationId?: string): Promise<appApi.LocationAuth> {
    const id = this.locationOrDefault(locationId);
    return required((await this.call((app) => app.createLocationSecret({ locationId: id }))).auth, 'auth');
  }

  async deleteLocationSecret(secretId: string, locationId?: string): Promise<void> {
    const id = this.locationOrDefault(locationId);
    await this.call((app) => app.deleteLocationSecret({ locationId: id, secretId }));
  }

  async getLocationMetadata(locationId: string): Promise<JsonObject> {
    return ((await this.call((app) => app.getLocationMetadata({ locationId }))).data?.toJson() ?? {}) as JsonObject;
  }

  async updateLocationMetadata(locationId: string, data: JsonObject): Promise<void> {
    await this.call((app) => app.updateLocationMetadata({ locationId, data: StructMessage.fromJson(data) }));
  }

  async getRobotMetadata(robotId: string): Promise<JsonObject> {
    return ((await this.call((app) => app.getRobotMetadata({ id: robotId }))).data?.toJson() ?? {}) as JsonObject;
  }

  async updateRobotMetadata(robotId: string, data: JsonObject): Promise<void> {
    await this.call((app) => app.updateRobotMetadata({ id: robotId, data: StructMessage.fromJson(data) }));
  }

  async getRobotPartMetadata(robotPartId: string): Promise<JsonObject> {
    return ((await this.call((app) => app.getRobotPartMetadata({ id: robotPartId }))).data?.toJson() ?? {}) as JsonObject;
  }

  async updateRobotPartMetadata(robotPartId: string, data: JsonObject): Promise<void> {
    await this.call((app) => app.updateRobotPartMetadata({ id: robotPartId, data: StructMessage.fromJson(data) }));
  }

  /** The organization's locations, machines and parts with their status, as far as the caller can see them. */
  async listMachineSummaries(
    orgId: string,
    options: { fragmentIds?: readonly string[]; locationIds?: readonly string[]; limit?: number } = {},
  ): Promise<appApi.LocationSummary[]> {
    const res = await this.call((app) =>
      app.listMachineSummaries({
        organizationId: orgId,
        fragmentIds: [...(options.fragmentIds ?? [])],
        locationIds: [...(options.locationIds ?? [])],
        ...(options.limit !== undefined && { limit: options.limit }),
      }),
    );
    return res.locationSummaries;
  }

  // Fragments

  /**
   * The organization's fragments and, when asked, other organizations' public ones. Empty `visibilities`
   * with `showPublic` true: every fragment of the organization and every listed public one; false: only
   * the organization's private ones. Given `visibilities`: the organization's fragments of those, plus
   * others' public ones when PUBLIC is among them.
   */
  async listFragments(orgId: string, showPublic = true, visibilities: readonly FragmentVisibility[] = []): Promise<Fragment[]> {
    const res = await this.call((app) =>
      app.listFragments({ organizationId: orgId, showPublic, fragmentVisibility: visibilities.map((v) => VISIBILITY_CODES[v]) }),
    );
    return res.fragments.map(fragmentFromProto);
  }

  /** The fragment, or with `version` the revision it had then. */
  async getFragment(fragmentId: string, version?: string): Promise<Fragment> {
    const res = await this.call((app) => app.getFragment({ id: fragmentId, ...(version !== undefined && { version }) }));
    return fragmentFromProto(required(res.fragment, 'fragment'));
  }

  /** A new private fragment. */
  async createFragment(orgId: string, name: string, config?: JsonObject, visibility?: FragmentVisibility): Promise<Fragment> {
    const res = await this.call((app) =>
      app.createFragment({
        organizationId: orgId,
        name,
        ...(config !== undefined && { config: StructMessage.fromJson(config) }),
        ...(visibility !== undefined && { visibility: VISIBILITY_CODES[visibility] }),
      }),
    );
    return fragmentFromProto(required(res.fragment, 'fragment'));
  }

  /** Renames the fragment and, when given, replaces its config and/or visibility (`isPublic` is the deprecated form). */
  async updateFragment(
    fragmentId: string,
    name: string,
    options: { config?: JsonObject; isPublic?: boolean; visibility?: FragmentVisibility } = {},
  ): Promise<Fragment> {
    const res = await this.call((app) =>
      app.updateFragment({
        id: fragmentId,
        name,
        ...(options.config !== undefined && { config: StructMessage.fromJson(options.config) }),
        ...(options.isPublic !== undefined && { public: options.isPublic }),
        ...(options.visibility !== undefined && { visibility: VISIBILITY_CODES[options.visibility] }),
      }),
    );
    return fragmentFromProto(required(res.fragment, 'fragment'));
  }

  async deleteFragment(fragmentId: string): Promise<void> {
    await this.call((app) => app.deleteFragment({ id: fragmentId }));
  }

  /** One page of the fragment's history, newest first (`pageLimit` entries, 10 by default). */
  async getFragmentHistory(fragmentId: string, pageToken = '', pageLimit = 10): Promise<Page<FragmentHistoryEntry>> {
    const res = await this.call((app) => app.getFragmentHistory({ id: fragmentId, pageToken, pageLimit: BigInt(pageLimit) }));
    return { items: res.history.map(fragmentHistoryEntryFromProto), nextPageToken: res.nextPageToken };
  }

  /** The fragments the machine's parts use (nested ones included), and any others asked about. */
  async listMachineFragments(machineId: string, additionalFragmentIds: readonly string[] = []): Promise<Fragment[]> {
    const res = await this.call((app) => app.listMachineFragments({ machineId, additionalFragmentIds: [...additionalFragmentIds] }));
    return res.fragments.map(fragmentFromProto);
  }

  /** The part's config merged with its fragments, as its machine receives it (Hangar's own call). */
  async getEffectiveConfig(robotPartId: string): Promise<EffectiveConfig> {
    const res = await this.call(() => this.hangar.effectiveConfig.getEffectiveConfig({ partId: robotPartId }));
    return {
      config: (res.config?.toJson() ?? {}) as JsonObject,
      revision: res.revision,
      fragments: res.fragments.map((f) => ({ id: f.id, name: f.name, revision: f.revision })),
    };
  }

  // API keys

  /** Returns `[key, id]`: the secret (shown once) and the key id, in the Python SDK's order. */
  async createKey(orgId: string, authorizations: readonly APIKeyAuthorization[], name?: string): Promise<[string, string]> {
    const res = await this.call((app) =>
      app.createKey({ authorizations: authorizations.map((a) => toAuthorization(orgId, a)), name: name ?? '' }),
    );
    return [res.key, res.id];
  }

  // Machines

  async getRobot(robotId: string): Promise<appApi.Robot> {
    return required((await this.call((app) => app.getRobot({ id: robotId }))).robot, 'robot');
  }

  /** Hangar runs no rover rental fleet: always empty. */
  async getRoverRentalRobots(orgId: string): Promise<appApi.RoverRentalRobot[]> {
    return (await this.call((app) => app.getRoverRentalRobots({ orgId }))).robots;
  }

  /** Every machine in the location (fetched a page at a time, so huge locations do not need one huge reply). */
  async listRobots(locationId?: string): Promise<appApi.Robot[]> {
    return this.everyPage((pageToken) => this.listRobotsPage(locationId, { pageSize: 1000, pageToken }));
  }

  /** One page of a location's machines, by name. */
  async listRobotsPage(locationId: string | undefined, page: PageOptions = {}): Promise<Page<appApi.Robot>> {
    const id = this.locationOrDefault(locationId);
    return this.paged(page, async (options) => (await this.app.listRobots({ locationId: id }, options)).robots);
  }

  /** The organization's machines the caller can see (Viam's ListRobotsForOrg). */
  async listRobotsForOrg(orgId: string): Promise<appApi.Robot[]> {
    return (await this.call((app) => app.listRobotsForOrg({ orgId }))).robots;
  }

  /** Every machine in the given locations (Viam's ListRobotsForLocations). */
  async listRobotsForLocations(locationIds: readonly string[]): Promise<appApi.Robot[]> {
    return (await this.call((app) => app.listRobotsForLocations({ locationIds: [...locationIds] }))).robots;
  }

  /** Creates a machine with its main part (`<name>-main`); returns the machine id. */
  async newRobot(name: string, locationId?: string): Promise<string> {
    const id = this.locationOrDefault(locationId);
    return (await this.call((app) => app.newRobot({ name, location: id }))).id;
  }

  /** Renames a machine; with a location id (or the client's default) moves it there. */
  async updateRobot(robotId: string, name: string, locationId?: string): Promise<appApi.Robot> {
    const location = locationId ?? this.options.locationId ?? '';
    return required((await this.call((app) => app.updateRobot({ id: robotId, name, location }))).robot, 'robot');
  }

  async deleteRobot(robotId: string): Promise<void> {
    await this.call((app) => app.deleteRobot({ id: robotId }));
  }

  // Machine parts

  /** Every part of the machine, main first (fetched a page at a time when configs are large). */
  async getRobotParts(robotId: string): Promise<RobotPart[]> {
    return this.everyPage((pageToken) => this.getRobotPartsPage(robotId, { pageToken }));
  }

  /** One page of a machine's parts; the server cuts pages by count and by the size of their configs. */
  async getRobotPartsPage(robotId: string, page: PageOptions = {}): Promise<Page<RobotPart>> {
    const res = await this.paged(page, async (options) => (await this.app.getRobotParts({ robotId }, options)).parts);
    return { items: res.items.map(robotPartFromProto), nextPageToken: res.nextPageToken };
  }

  /** With `dest`, also writes the part's config there as JSON indented by `indent` spaces (default 4). */
  async getRobotPart(robotPartId: string, options: { dest?: string; indent?: number } = {}): Promise<RobotPart> {
    let restartPending: boolean | undefined;
    const res = await this.call((app) =>
      app.getRobotPart(
        { id: robotPartId },
        {
          onHeader: (headers) => {
            const value = headers.get(RESTART_PENDING_HEADER);
            restartPending = value === null ? undefined : value === 'true';
          },
        },
      ),
    );
    const part = { ...robotPartFromProto(required(res.part, 'part')), ...(restartPending !== undefined && { restartPending }) };
    if (options.dest !== undefined) {
      await writeFile(options.dest, JSON.stringify(JSON.parse(res.configJson || '{}'), null, options.indent ?? 4));
    }
    return part;
  }

  async getRobotPartByNameAndLocation(name: string, locationId: string): Promise<RobotPart> {
    return robotPartFromProto(required((await this.call((app) => app.getRobotPartByNameAndLocation({ name, locationId }))).part, 'part'));
  }

  /** Every recorded change of the part, newest first. */
  async getRobotPartHistory(robotPartId: string): Promise<RobotPartHistoryEntry[]> {
    return this.everyPage((pageToken) => this.getRobotPartHistoryPage(robotPartId, { pageSize: 1000, pageToken }));
  }

  async getRobotPartHistoryPage(robotPartId: string, page: PageOptions = {}): Promise<Page<RobotPartHistoryEntry>> {
    const res = await this.paged(page, async (options) => (await this.app.getRobotPartHistory({ id: robotPartId }, options)).history);
    return { items: res.items.map(historyEntryFromProto), nextPageToken: res.nextPageToken };
  }

  /** Renames the part; with `robotConfig`, replaces its config (a JSON object), else keeps it. */
  /**
   * The part's newest log entries first, as the Python SDK's `get_robot_part_logs`: at most
   * `numLogEntries` (default 100; 0 for all), fetched page by page. With `dest`, the entries are also
   * written there, one line each (time, level, logger, caller, message), as the Python SDK writes them.
   */
  async getRobotPartLogs(
    robotPartId: string,
    options: LogQueryOptions & { dest?: string; numLogEntries?: number } = {},
  ): Promise<LogEntry[]> {
    const wanted = options.numLogEntries ?? 100;
    if (!Number.isInteger(wanted) || wanted < 0)
      throw new HangarError(Code.InvalidArgument, 'numLogEntries must be a whole number, at least 0');
    const logs: LogEntry[] = [];
    let pageToken = '';
    for (;;) {
      const left = wanted === 0 ? MAX_LOG_PAGE : Math.min(MAX_LOG_PAGE, wanted - logs.length);
      const page = await this.getRobotPartLogsPage(robotPartId, { ...options, pageToken, limit: left });
      logs.push(...page.logs.slice(0, wanted === 0 ? undefined : wanted - logs.length));
      if (page.nextPageToken === '' || (wanted !== 0 && logs.length >= wanted)) break;
      pageToken = page.nextPageToken;
    }
    if (options.dest !== undefined) await writeFile(options.dest, logs.map(logFileLine).join(''));
    return logs;
  }

  /** One page of a part's logs, newest first; `limit` entries at most (the server's maximum is 1,000). */
  async getRobotPartLogsPage(
    robotPartId: string,
    options: LogQueryOptions & { pageToken?: string; limit?: number } = {},
  ): Promise<{ logs: LogEntry[]; nextPageToken: string }> {
    const levels = options.errorsOnly === true ? errorLevels(options.logLevels) : [...(options.logLevels ?? [])];
    // Errors only, of levels none of which is an error level: nothing can match.
    if (levels.length === 0 && options.errorsOnly === true) return { logs: [], nextPageToken: '' };
    const res = await this.call((app) =>
      app.getRobotPartLogs({
        id: robotPartId,
        ...(options.filter !== undefined && options.filter !== '' && { filter: options.filter }),
        pageToken: options.pageToken ?? '',
        // errors_only is deprecated on the wire: the same question is asked with levels.
        levels,
        ...(options.start !== undefined && { start: Timestamp.fromDate(options.start) }),
        ...(options.end !== undefined && { end: Timestamp.fromDate(options.end) }),
        ...(options.limit !== undefined && { limit: BigInt(options.limit) }),
        ...(options.source !== undefined && { source: options.source }),
        ...(options.userFacingOnly !== undefined && { userFacingOnly: options.userFacingOnly }),
      }),
    );
    return { logs: res.logs.map(logEntryFromProto), nextPageToken: res.nextPageToken };
  }

  /**
   * New log entries of the part as they arrive, a batch at a time, as the Python SDK's
   * `tail_robot_part_logs` (errors only unless told otherwise). Runs until the server ends it or `signal`
   * aborts (then the iteration just ends).
   */
  async *tailRobotPartLogs(
    robotPartId: string,
    errorsOnly = true,
    filter?: string,
    options: { signal?: AbortSignal } = {},
  ): AsyncIterable<LogEntry[]> {
    try {
      for await (const res of this.app.tailRobotPartLogs(
        { id: robotPartId, errorsOnly, ...(filter !== undefined && filter !== '' && { filter }) },
        { ...(options.signal !== undefined && { signal: options.signal }) },
      )) {
        if (res.logs.length > 0) yield res.logs.map(logEntryFromProto);
      }
    } catch (err) {
      if (options.signal?.aborted === true) return;
      throw HangarError.from(err);
    }
  }

  async updateRobotPart(robotPartId: string, name: string, robotConfig?: JsonObject): Promise<RobotPart> {
    const res = await this.call((app) =>
      app.updateRobotPart({ id: robotPartId, name, ...(robotConfig !== undefined && { robotConfig: Struct.fromJson(robotConfig) }) }),
    );
    return robotPartFromProto(required(res.part, 'part'));
  }

  /** Returns the new part's id. */
  async newRobotPart(robotId: string, partName: string): Promise<string> {
    return (await this.call((app) => app.newRobotPart({ robotId, partName }))).partId;
  }

  async deleteRobotPart(robotPartId: string): Promise<void> {
    await this.call((app) => app.deleteRobotPart({ partId: robotPartId }));
  }

  async markPartAsMain(robotPartId: string): Promise<void> {
    await this.call((app) => app.markPartAsMain({ partId: robotPartId }));
  }

  async markPartForRestart(robotPartId: string): Promise<void> {
    await this.call((app) => app.markPartForRestart({ partId: robotPartId }));
  }

  async createRobotPartSecret(robotPartId: string): Promise<RobotPart> {
    return robotPartFromProto(required((await this.call((app) => app.createRobotPartSecret({ partId: robotPartId }))).part, 'part'));
  }

  async deleteRobotPartSecret(robotPartId: string, secretId: string): Promise<void> {
    await this.call((app) => app.deleteRobotPartSecret({ partId: robotPartId, secretId }));
  }

  async getRobotApiKeys(robotId: string): Promise<appApi.APIKeyWithAuthorizations[]> {
    return (await this.call((app) => app.getRobotAPIKeys({ robotId }))).apiKeys;
  }

  // Roles

  async addRole(orgId: string, identityId: string, role: Role, resourceType: ResourceType, resourceId: string): Promise<void> {
    await this.call((app) => app.addRole({ authorization: roleAuthorization(orgId, identityId, role, resourceType, resourceId) }));
  }

  async removeRole(orgId: string, identityId: string, role: Role, resourceType: ResourceType, resourceId: string): Promise<void> {
    await this.call((app) => app.removeRole({ authorization: roleAuthorization(orgId, identityId, role, resourceType, resourceId) }));
  }

  async changeRole(
    organizationId: string,
    oldIdentityId: string,
    oldRole: Role,
    oldResourceType: ResourceType,
    oldResourceId: string,
    newIdentityId: string,
    newRole: Role,
    newResourceType: ResourceType,
    newResourceId: string,
  ): Promise<void> {
    await this.call((app) =>
      app.changeRole({
        oldAuthorization: roleAuthorization(organizationId, oldIdentityId, oldRole, oldResourceType, oldResourceId),
        newAuthorization: roleAuthorization(organizationId, newIdentityId, newRole, newResourceType, newResourceId),
      }),
    );
  }

  /** Every role in the organization, or only those on the given resources. */
  async listAuthorizations(orgId: string, resourceIds?: readonly string[]): Promise<appApi.Authorization[]> {
    return (await this.call((app) => app.listAuthorizations({ organizationId: orgId, resourceIds: [...(resourceIds ?? [])] })))
      .authorizations;
  }

  /** Returns the questions with only the permissions the caller holds. */
  async checkPermissions(
    permissions: readonly { resourceType: string; resourceId: string; permissions: readonly string[] }[],
  ): Promise<appApi.AuthorizedPermissions[]> {
    const res = await this.call((app) =>
      app.checkPermissions({
        permissions: permissions.map((p) => ({ resourceType: p.resourceType, resourceId: p.resourceId, permissions: [...p.permissions] })),
      }),
    );
    return res.authorizedPermissions;
  }

  // API keys (createKey is above)

  async deleteKey(id: string): Promise<void> {
    await this.call((app) => app.deleteKey({ id }));
  }

  /** Returns `[key, id]` of a new key holding the same roles. */
  async createKeyFromExistingKeyAuthorizations(id: string): Promise<[string, string]> {
    const res = await this.call((app) => app.createKeyFromExistingKeyAuthorizations({ id }));
    return [res.key, res.id];
  }

  async listKeys(orgId: string): Promise<appApi.APIKeyWithAuthorizations[]> {
    return (await this.call((app) => app.listKeys({ orgId }))).apiKeys;
  }

  /** Returns `[key, id]`: the same key id with a new secret; the old secret stops working at once. */
  async rotateKey(id: string): Promise<[string, string]> {
    const res = await this.call((app) => app.rotateKey({ id }));
    return [res.key, res.id];
  }

  /** Renames a key; returns its id and new name. */
  async renameKey(id: string, name: string): Promise<{ id: string; name: string }> {
    const res = await this.call((app) => app.renameKey({ id, name }));
    return { id: res.id, name: res.name };
  }

  /** Follows next page tokens from the first page to the last. */
  private async everyPage<T>(fetch: (pageToken: string) => Promise<Page<T>>): Promise<T[]> {
    const all: T[] = [];
    let pageToken = '';
    do {
      const page = await fetch(pageToken);
      all.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken !== '');
    return all;
  }

  /** Runs a list call with Hangar's page headers and reads the next page token from the reply headers. */
  private async paged<T>(page: PageOptions, fetch: (options: CallOptions) => Promise<T[]>): Promise<Page<T>> {
    let nextPageToken = '';
    const items = await this.call(() =>
      fetch({
        headers: {
          ...(page.pageSize !== undefined && { [PAGE_SIZE_HEADER]: String(page.pageSize) }),
          ...(page.pageToken !== undefined && page.pageToken !== '' && { [PAGE_TOKEN_HEADER]: page.pageToken }),
        },
        onHeader: (headers) => {
          nextPageToken = headers.get(NEXT_PAGE_TOKEN_HEADER) ?? '';
        },
      }),
    );
    return { items, nextPageToken };
  }

  // Registry

  /** A registry item by `<namespace>:<name>` or `<organization id>:<name>`. */
  async getRegistryItem(itemId: string): Promise<appApi.RegistryItem> {
    const res = await this.call((app) => app.getRegistryItem({ itemId }));
    return required(res.item, 'item');
  }

  /** A new private item of the organization; its name must be unique there. */
  async createRegistryItem(organizationId: string, name: string, type: PackageType): Promise<void> {
    await this.call((app) => app.createRegistryItem({ organizationId, name, type: asAppPackageType(type) }));
  }

  async updateRegistryItem(itemId: string, type: PackageType, description: string, visibility: appApi.Visibility): Promise<void> {
    await this.call((app) => app.updateRegistryItem({ itemId, type: asAppPackageType(type), description, visibility }));
  }

  /** Items of the organization, or (with `organizationId` "") every public item and the caller's own. */
  async listRegistryItems(
    organizationId: string,
    types: readonly PackageType[],
    visibilities: readonly appApi.Visibility[],
    platforms: readonly string[],
    statuses: readonly appApi.RegistryItemStatus[],
    searchTerm?: string,
    pageToken?: string,
  ): Promise<appApi.RegistryItem[]> {
    const res = await this.call((app) =>
      app.listRegistryItems({
        organizationId,
        types: types.map(asAppPackageType),
        visibilities: [...visibilities],
        platforms: [...platforms],
        statuses: [...statuses],
        ...(searchTerm !== undefined && { searchTerm }),
        ...(pageToken !== undefined && { pageToken }),
      }),
    );
    return res.items;
  }

  async deleteRegistryItem(itemId: string): Promise<void> {
    await this.call((app) => app.deleteRegistryItem({ itemId }));
  }

  /** A new private module: returns its id (`<namespace or organization id>:<name>`) and its page's URL. */
  async createModule(orgId: string, name: string): Promise<[moduleId: string, url: string]> {
    const res = await this.call((app) => app.createModule({ organizationId: orgId, name }));
    return [res.moduleId, res.url];
  }

  /** Sets a module's documentation URL, description, models, entrypoint and visibility; returns its page's URL. */
  async updateModule(
    moduleId: string,
    url: string,
    description: string,
    models: readonly PartialMessage<appApi.Model>[] | undefined,
    entrypoint: string,
    /** The Python SDK's `public` flag, or a visibility by name (meta.json's spelling). */
    isPublic: boolean | 'private' | 'public' | 'public_unlisted' = false,
  ): Promise<string> {
    const visibility =
      isPublic === true || isPublic === 'public'
        ? wireAppApi.Visibility.PUBLIC
        : isPublic === 'public_unlisted'
          ? wireAppApi.Visibility.PUBLIC_UNLISTED
          : wireAppApi.Visibility.PRIVATE;
    const res = await this.call((app) =>
      app.updateModule({
        moduleId,
        url,
        description,
        models: [...(models ?? [])],
        entrypoint,
        visibility,
      }),
    );
    return res.url;
  }

  /**
   * Uploads a module file (a .tar.gz) for a version and platform; returns the module's page URL. Bytes
   * in memory go as one client stream over HTTP/2 (as the Python SDK sends them); use
   * `uploadModuleFileFromPath` for files on disk.
   */
  async uploadModuleFile(moduleFileInfo: PartialMessage<appApi.ModuleFileInfo>, file: Uint8Array): Promise<string> {
    const CHUNK = UPLOAD_MESSAGE_BYTES;
    const messages: PartialMessage<appApi.UploadModuleFileRequest>[] = [{ moduleFile: { case: 'moduleFileInfo', value: moduleFileInfo } }];
    for (let at = 0; at < file.length; at += CHUNK) messages.push({ moduleFile: { case: 'file', value: file.subarray(at, at + CHUNK) } });
    const res = await this.call(() => this.hangar.appStream.uploadModuleFile(toAsync(messages)));
    return res.url;
  }

  /**
   * Uploads the module file at `path`, streamed from disk: over gRPC as a client stream when this client
   * speaks gRPC, otherwise through the server's resumable HTTP upload (which survives a broken connection).
   */
  async uploadModuleFileFromPath(
    moduleFileInfo: { moduleId: string; version: string; platform: string },
    path: string,
    options: { onProgress?: (p: TransferProgress) => void; signal?: AbortSignal; chunkBytes?: number } = {},
  ): Promise<{ url: string; sha256?: string; size: number }> {
    const { createReadStream } = await import('node:fs');
    const { stat } = await import('node:fs/promises');
    const size = (await stat(path)).size;
    if (this.options.protocol === 'grpc') {
      let done = 0;
      // Messages of 256 KiB: larger ones cost the client more in fresh buffers and copies than they save.
      const chunkBytes = options.chunkBytes ?? UPLOAD_MESSAGE_BYTES;
      async function* messages(): AsyncIterable<PartialMessage<appApi.UploadModuleFileRequest>> {
        yield { moduleFile: { case: 'moduleFileInfo', value: moduleFileInfo } };
        for await (const chunk of createReadStream(path, { highWaterMark: chunkBytes })) {
          // An aborted upload must fail its stream, never end it: a stream that ends is a complete file.
          options.signal?.throwIfAborted();
          done += (chunk as Buffer).length;
          options.onProgress?.({ done, total: size });
          yield { moduleFile: { case: 'file', value: chunk as Buffer } };
        }
        options.signal?.throwIfAborted();
      }
      const res = await this.call(() =>
        this.hangar.appStream.uploadModuleFile(messages(), { ...(options.signal && { signal: options.signal }) }),
      );
      return { url: res.url, size };
    }
    return uploadFileOverHttp(path, moduleFileInfo, {
      baseUrl: this.options.url.replace(/\/+$/, ''),
      token: () => this.token,
      ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
      ...(options.signal !== undefined && { signal: options.signal }),
      ...(options.chunkBytes !== undefined && { chunkBytes: options.chunkBytes }),
    });
  }

  /** A module by its id, with its versions and the platforms uploaded for each. */
  async getModule(moduleId: string): Promise<appApi.Module> {
    const res = await this.call((app) => app.getModule({ moduleId }));
    return required(res.module, 'module');
  }

  /** The organization's modules (every visibility). */
  async listModules(orgId: string): Promise<appApi.Module[]> {
    const res = await this.call((app) => app.listModules({ organizationId: orgId }));
    return res.modules;
  }

  // Packages (viam.app.packages.v1.PackageService): what machines download; board definitions

  /** A package version (`<namespace or organization id>/<name>`), with a download link. */
  async getPackage(id: string, version: string, options: { type?: PackageType; platform?: string } = {}): Promise<Package> {
    const res = await this.call(() =>
      this.hangar.packages.getPackage({
        id,
        version,
        includeUrl: true,
        ...(options.type !== undefined && { type: options.type }),
        ...(options.platform !== undefined && { platform: options.platform }),
      }),
    );
    return required(res.package, 'package');
  }

  async listPackages(organizationId: string, options: { name?: string; version?: string; type?: PackageType } = {}): Promise<Package[]> {
    const res = await this.call(() => this.hangar.packages.listPackages({ organizationId, includeUrl: false, ...options }));
    return res.packages;
  }

  /** Uploads a small package (board definitions: a .tar.gz of the JSON file) in one client stream. */
  async createPackage(
    info: { organizationId: string; name: string; version: string; type: PackageType; fileName: string; fileSize: number },
    contents: Uint8Array,
  ): Promise<{ id: string; version: string }> {
    const messages = [
      {
        package: {
          case: 'info' as const,
          value: {
            organizationId: info.organizationId,
            name: info.name,
            version: info.version,
            type: info.type,
            files: [{ name: info.fileName, size: BigInt(info.fileSize) }],
          },
        },
      },
      { package: { case: 'contents' as const, value: contents } },
    ];
    const packages = createClient(PackageService, createTransport(this.options.url, 'grpc', [this.bearer]));
    return this.call(() => packages.createPackage(toAsync(messages)));
  }

  async deletePackage(id: string, version: string, type: PackageType): Promise<void> {
    await this.call(() => this.hangar.packages.deletePackage({ id, version, type }));
  }

  /** Machine data (queries, exports, deletes, uploads), signed in as this client. */
  dataClient(): DataClient {
    return new DataClient({
      transport: createTransport(this.options.url, this.options.protocol ?? 'connect', [this.bearer], { acceptCompression: false }),
      streamTransport: createTransport(this.options.url, 'grpc', [this.bearer], { acceptCompression: false }),
      call: (fn) => this.call(() => fn()),
    });
  }

  /** Downloads a package version's file (sha256 checked, resumed if interrupted) to `destination`. */
  async downloadPackage(
    pkg: Package,
    destination: string,
    options: { onProgress?: (p: TransferProgress) => void; signal?: AbortSignal } = {},
  ): Promise<{ sha256: string; size: number }> {
    return downloadFile(pkg.url, destination, {
      sha256: pkg.checksum,
      ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
      ...(options.signal !== undefined && { signal: options.signal }),
    });
  }

  private readonly bearer: Interceptor = (next) => async (req) => {
    req.header.set('authorization', `Bearer ${this.token}`);
    return next(req);
  };
}

interface HangarClients {
  readonly account: Client<typeof AccountService>;
  readonly invites: Client<typeof InviteService>;
  readonly inviteAdmin: Client<typeof InviteAdminService>;
  readonly effectiveConfig: Client<typeof EffectiveConfigService>;
  readonly packages: Client<typeof PackageService>;
  readonly appStream: Client<typeof AppService>;
}

export function toAuthorization(orgId: string, a: APIKeyAuthorization): Partial<appApi.Authorization> {
  return {
    authorizationType: 'role',
    authorizationId: `${a.resourceType}_${a.role}`,
    resourceType: a.resourceType,
    resourceId: a.resourceId,
    organizationId: orgId,
    identityId: '',
    identityType: 'api-key',
  };
}

function roleAuthorization(
  orgId: string,
  identityId: string,
  role: Role,
  resourceType: ResourceType,
  resourceId: string,
): Partial<appApi.Authorization> {
  return {
    authorizationType: 'role',
    authorizationId: `${resourceType}_${role}`,
    resourceType,
    resourceId,
    organizationId: orgId,
    identityId,
    identityType: '',
  };
}

/**
 * The app API's PackageType is the SDK's copy of the same proto enum, without the board-definitions value
 * the seed-era CLI uses: the numbers are the wire's, so one converts to the other as is.
 */
/** A list as the async iterable a client stream takes. */
async function* toAsync<T>(items: readonly T[]): AsyncIterable<T> {
  await Promise.resolve();
  yield* items;
}

const asAppPackageType = (type: PackageType) => type as number as never;

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new HangarError(Code.Internal, `the server's reply has no ${what}`);
  return value;
}
