import type { Grant, IdentityType } from './authz.js';
import type { JsonObject } from './machines.js';

/** Instants are ISO-8601 UTC strings everywhere below the wire: fixed width, so text order is time order. */
export type Instant = string;

export interface User {
  readonly id: string;
  readonly email: string;
  readonly createdAt: Instant;
  readonly lastLogin: Instant | null;
}

export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly publicNamespace: string | null;
  readonly defaultRegion: string;
  readonly cid: string | null;
  readonly createdAt: Instant;
}

export interface LocationOrganization {
  readonly organizationId: string;
  readonly primary: boolean;
}

export interface Location {
  readonly id: string;
  readonly name: string;
  readonly parentLocationId: string | null;
  readonly primaryOrganizationId: string;
  readonly primaryOrganizationName: string;
  readonly organizations: readonly LocationOrganization[];
  readonly region: string;
  readonly createdAt: Instant;
  readonly robotCount: number;
}

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Instant;
}

export interface Authorization extends Grant {
  readonly identityType: IdentityType;
  readonly identityId: string;
}

export interface Member {
  readonly user: User;
  readonly joinedAt: Instant;
}

/** A pending invitation to an organization. */
export interface Invite {
  readonly id: string;
  readonly organizationId: string;
  readonly email: string;
  readonly authorizations: readonly Grant[];
  /** Whether an email goes out; without one the invitee gets the roles on their next sign-in. */
  readonly sendEmail: boolean;
  readonly createdAt: Instant;
  readonly expiresAt: Instant;
}

/** A location's secret, which a machine of the location presents to authenticate. */
export interface LocationSecret {
  readonly id: string;
  readonly secret: string;
  readonly createdAt: Instant;
}

export type FragmentVisibility = 'private' | 'public' | 'public_unlisted';

export interface Fragment {
  readonly id: string;
  readonly organizationId: string;
  readonly organizationName: string;
  readonly name: string;
  readonly config: JsonObject;
  readonly visibility: FragmentVisibility;
  readonly revision: number;
  readonly createdAt: Instant;
  readonly updatedAt: Instant;
}

export interface FragmentHistoryEntry {
  readonly id: string;
  readonly fragmentId: string;
  readonly at: Instant;
  /** The fragment as it was before the change (its revision is `old.revision`). */
  readonly old: Fragment;
  readonly editor: { readonly type: 'user' | 'api-key'; readonly id: string };
}
