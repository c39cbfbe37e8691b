import type { Grant, IdentityType } from './authz.js';

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
