import type { ColumnType } from 'kysely';

/**
 * The whole schema as Kysely sees it. Ids are text (server-made UUIDs), instants ISO-8601 UTC text,
 * booleans integers 0/1 and JSON text, so both engines store the same values.
 */
export interface DB {
  settings: SettingsTable;
  users: UsersTable;
  organizations: OrganizationsTable;
  locations: LocationsTable;
  location_organizations: LocationOrganizationsTable;
  api_keys: ApiKeysTable;
  authorizations: AuthorizationsTable;
  robots: RobotsTable;
  robot_parts: RobotPartsTable;
  robot_part_secrets: RobotPartSecretsTable;
  robot_part_history: RobotPartHistoryTable;
  signing_keys: SigningKeysTable;
}

type Flag = ColumnType<number, number | undefined, number>;

export interface SettingsTable {
  key: string;
  value: string;
}

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string;
  created_at: string;
  last_login: string | null;
  /** Bumped to revoke every token of the user (log out everywhere, password change). */
  token_generation: ColumnType<number, number | undefined, number>;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  public_namespace: string | null;
  default_region: string;
  cid: string | null;
  created_at: string;
  /** The user this organization counts against for the organizations quota; null: itself. */
  quota_owner: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface LocationsTable {
  id: string;
  name: string;
  parent_location_id: string | null;
  primary_org_id: string;
  region: string;
  created_at: string;
}

export interface LocationOrganizationsTable {
  location_id: string;
  organization_id: string;
  is_primary: Flag;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  organization_id: string;
  name: string;
  /** sha256 of the secret: secrets are 190-bit random strings, so a slow hash buys nothing. */
  secret_hash: string;
  created_at: string;
  /** Bumped on rotation; tokens carry the generation they were minted under. */
  generation: ColumnType<number, number | undefined, number>;
}

export interface AuthorizationsTable {
  id: string;
  organization_id: string;
  identity_type: string;
  identity_id: string;
  role: string;
  resource_type: string;
  resource_id: string;
  created_at: string;
}

export interface RobotsTable {
  id: string;
  name: string;
  location_id: string;
  created_at: string;
}

export interface RobotPartsTable {
  id: string;
  robot_id: string;
  location_id: string;
  name: string;
  dns_name: string;
  is_main: Flag;
  config_json: string;
  user_supplied_info_json: string | null;
  needs_restart: Flag;
  last_access: string | null;
  created_at: string;
  updated_at: string;
}

export interface RobotPartSecretsTable {
  id: string;
  part_id: string;
  secret: string;
  created_at: string;
}

export interface RobotPartHistoryTable {
  id: string;
  part_id: string;
  robot_id: string;
  at: string;
  old_json: string;
  editor_type: string;
  editor_id: string;
  /** Bytes of old_json, for the per-part history cap. */
  size_bytes: ColumnType<number, number | undefined, number>;
}

export interface SigningKeysTable {
  id: string;
  /** Mixed with the server's secret key (never stored) to derive the signing key. */
  salt: string;
  created_at: string;
}
