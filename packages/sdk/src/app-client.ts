/**
 * AppClient: the methods and semantics of Viam's Python `AppClient`, in camelCase. Keyword arguments
 * with defaults become an options object; tuples stay tuples. Every failure rejects with HangarError.
 */
import { Code, createPromiseClient, type Interceptor, type PromiseClient } from '@connectrpc/connect';
import { AppService, type appApi } from '@hangar/wire';
import { authenticate, type Credentials } from './auth.js';
import { HangarError } from './errors.js';
import { createTransport, type Protocol } from './transport.js';

export type Role = 'owner' | 'operator';
export type ResourceType = 'organization' | 'location' | 'robot';

/** The Python SDK's APIKeyAuthorization: one role on one resource. */
export interface APIKeyAuthorization {
  readonly role: Role;
  readonly resourceType: ResourceType;
  readonly resourceId: string;
}

export interface AppClientOptions {
  /** The server, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly credentials: Credentials;
  readonly protocol?: Protocol;
  /** The location methods default to when called without one (Python's `location_id` at instantiation). */
  readonly locationId?: string;
}

export class AppClient {
  private token = '';

  private constructor(
    private readonly options: AppClientOptions,
    private readonly app: PromiseClient<typeof AppService>,
    private readonly login: () => Promise<string>,
  ) {}

  /** Authenticates once (unless given an access token) and returns a ready client. */
  static async connect(options: AppClientOptions): Promise<AppClient> {
    const bare = createTransport(options.url, options.protocol ?? 'connect');
    let client: AppClient | undefined;
    const withToken: Interceptor = (next) => async (req) => {
      req.header.set('authorization', `Bearer ${client?.token ?? ''}`);
      return next(req);
    };
    const transport = createTransport(options.url, options.protocol ?? 'connect', [withToken]);
    const login = () => authenticate(bare, options.credentials).catch((err: unknown) => Promise.reject(HangarError.from(err)));
    client = new AppClient(options, createPromiseClient(AppService, transport), login);
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
  private async call<T>(fn: (app: PromiseClient<typeof AppService>) => Promise<T>): Promise<T> {
    try {
      return await fn(this.app);
    } catch (err) {
      const error = HangarError.from(err);
      if (error.code !== Code.Unauthenticated || this.options.credentials.type === 'access-token' || !error.message.includes('expired')) throw error;
      this.token = await this.login();
      try {
        return await fn(this.app);
      } catch (retryErr) {
        throw HangarError.from(retryErr);
      }
    }
  }

  private locationOrDefault(locationId: string | undefined): string {
    const id = locationId ?? this.options.locationId;
    if (id === undefined || id === '') {
      throw new HangarError(Code.InvalidArgument, 'no location id given, and none was set when the client was created (AppClientOptions.locationId)');
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

  // API keys

  /** Returns `[key, id]`: the secret (shown once) and the key id, in the Python SDK's order. */
  async createKey(orgId: string, authorizations: readonly APIKeyAuthorization[], name?: string): Promise<[string, string]> {
    const res = await this.call((app) =>
      app.createKey({ authorizations: authorizations.map((a) => toAuthorization(orgId, a)), name: name ?? '' }),
    );
    return [res.key, res.id];
  }
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

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new HangarError(Code.Internal, `the server's reply has no ${what}`);
  return value;
}
