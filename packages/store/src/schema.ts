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
  organization_invites: OrganizationInvitesTable;
  outbox: OutboxTable;
  location_secrets: LocationSecretsTable;
  fragments: FragmentsTable;
  fragment_history: FragmentHistoryTable;
  part_fragments: PartFragmentsTable;
  registry_items: RegistryItemsTable;
  registry_files: RegistryFilesTable;
  registry_uploads: RegistryUploadsTable;
  data_binary: DataBinaryTable;
  data_binary_tags: DataBinaryTagsTable;
  data_tabular: DataTabularTable;
  data_datasets: DataDatasetsTable;
  data_dataset_files: DataDatasetFilesTable;
  data_binary_bboxes: DataBinaryBboxesTable;
}

type Metadata = ColumnType<string | null, string | null | undefined, string | null>;

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
  metadata_json: Metadata;
}

export interface LocationsTable {
  id: string;
  name: string;
  parent_location_id: string | null;
  primary_org_id: string;
  region: string;
  created_at: string;
  metadata_json: Metadata;
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
  metadata_json: Metadata;
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
  metadata_json: Metadata;
}

export interface RobotPartSecretsTable {
  id: string;
  part_id: string;
  /** Sealed with the server's secret key when `sealed` is 1 (rows from before sealing are sealed at start). */
  secret: string;
  created_at: string;
  sealed: ColumnType<number, number | undefined, number>;
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

export interface OrganizationInvitesTable {
  id: string;
  organization_id: string;
  email: string;
  authorizations_json: string;
  token_hash: string;
  token_sealed: string;
  send_email: number;
  created_at: string;
  expires_at: string;
}

export interface OutboxTable {
  id: string;
  recipient: string;
  subject: string;
  body_sealed: string;
  created_at: string;
  next_attempt_at: string;
  attempts: ColumnType<number, number | undefined, number>;
  lease_until: string | null;
  sent_at: string | null;
  failed_at: string | null;
  last_error: string | null;
}

export interface LocationSecretsTable {
  id: string;
  location_id: string;
  secret_sealed: string;
  created_at: string;
}

export interface FragmentsTable {
  id: string;
  organization_id: string;
  name: string;
  config_json: string;
  /** FragmentVisibility on the wire: 1 private, 2 public, 3 public-unlisted. */
  visibility: number;
  revision: number;
  created_at: string;
  updated_at: string;
}

export interface FragmentHistoryTable {
  id: string;
  fragment_id: string;
  /** The revision `old_json` was: the fragment as it was before the change. */
  revision: number;
  at: string;
  old_json: string;
  editor_type: string;
  editor_id: string;
  size_bytes: number;
}

export interface PartFragmentsTable {
  part_id: string;
  fragment_id: string;
}

export interface RegistryItemsTable {
  id: string;
  organization_id: string;
  name: string;
  /** viam.app.packages.v1.PackageType's number. */
  type: number;
  /** viam.app.v1.Visibility's number: 1 private, 2 public, 3 public-unlisted. */
  visibility: number;
  description: string;
  url: string;
  entrypoint: string;
  first_run: string | null;
  markdown_description: string | null;
  /** [{api, model}] */
  models_json: string;
  created_at: string;
  updated_at: string;
}

export interface RegistryFilesTable {
  id: string;
  item_id: string;
  version: string;
  /** A module's platform (`linux/amd64`, `any`); '' for packages that have none. */
  platform: string;
  sha256: string;
  /** Base64 of the big-endian CRC-32C, as viam-server checks downloads (x-goog-hash). */
  crc32c: string;
  size_bytes: number;
  /** The module's entrypoint when this version was uploaded. */
  entrypoint: string;
  models_json: string;
  file_name: string;
  uploader_type: string;
  uploader_id: string;
  created_at: string;
}

export interface RegistryUploadsTable {
  id: string;
  item_id: string;
  version: string;
  platform: string;
  size_bytes: number;
  received_bytes: number;
  uploader_type: string;
  uploader_id: string;
  created_at: string;
  expires_at: string;
}

/** Where a capture came from: the part, its machine, location and organization at upload, and the resource. */
interface CaptureColumns {
  organization_id: string;
  location_id: string;
  robot_id: string;
  robot_name: string;
  part_id: string;
  part_name: string;
  component_type: string;
  component_name: string;
  method_name: string;
  /** JSON: {name: {type_url, value (base64)}}, the method's parameters as the machine sent them. */
  method_parameters: string;
  mime_type: string;
  /** Microseconds since the epoch. */
  time_requested_us: number;
  time_received_us: number;
  time_synced_us: number;
}

export interface DataBinaryTable extends CaptureColumns {
  id: string;
  file_name: string;
  file_ext: string;
  /** JSON of viam.app.data.v1.Annotations: its classifications (bounding boxes have a table of their own). */
  annotations: string;
  size_bytes: number;
  sha256: string;
}

export interface DataBinaryTagsTable {
  binary_id: string;
  tag: string;
}

export interface DataTabularTable extends CaptureColumns {
  id: string;
  upload_id: string;
  /** JSON array of strings. */
  tags: string;
  /** JSON object: the reading's Struct. */
  data: string;
}

export interface DataDatasetsTable {
  id: string;
  organization_id: string;
  name: string;
  time_created_us: number;
}

export interface DataDatasetFilesTable {
  dataset_id: string;
  binary_id: string;
}

export interface DataBinaryBboxesTable {
  id: string;
  binary_id: string;
  label: string;
  /** Normalized to the image: 0–1. */
  x_min: number;
  y_min: number;
  x_max: number;
  y_max: number;
  confidence: number | null;
  time_created_us: number;
}
