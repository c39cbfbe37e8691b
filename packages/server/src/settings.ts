/**
 * Every numeric limit the server enforces, once: its flag, environment variable, default and bounds. The
 * config parser, the `hangar server` flags and the README table are all built from this list, so a limit
 * cannot exist without being settable and documented. No imports: the CLI loads it to build its help.
 */

export interface LimitSetting {
  readonly flag: string;
  readonly env: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly unit: string;
  readonly description: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;

function limit(flag: string, spec: Omit<LimitSetting, 'flag' | 'env'>): LimitSetting {
  return { flag: `--${flag}`, env: `HANGAR_${flag.toUpperCase().replaceAll('-', '_')}`, ...spec };
}

export const LIMITS = {
  // Quotas: what one identity, organization or machine may hold.
  maxOrganizationsPerIdentity: limit('max-organizations-per-identity', {
    default: 500,
    min: 1,
    max: 1_000_000,
    unit: 'organizations',
    description: 'organizations one user may be accountable for: those it created, and those created by API keys of those organizations',
  }),
  maxLocationsPerOrganization: limit('max-locations-per-organization', {
    default: 10_000,
    min: 1,
    max: 10_000_000,
    unit: 'locations',
    description: 'locations an organization may own',
  }),
  maxMachinesPerOrganization: limit('max-machines-per-organization', {
    default: 100_000,
    min: 1,
    max: 100_000_000,
    unit: 'machines',
    description: "machines in an organization's locations",
  }),
  maxPartsPerMachine: limit('max-parts-per-machine', {
    default: 100,
    min: 1,
    max: 10_000,
    unit: 'parts',
    description: 'parts of one machine',
  }),
  maxKeysPerOrganization: limit('max-keys-per-organization', {
    default: 1_000,
    min: 1,
    max: 1_000_000,
    unit: 'API keys',
    description: 'API keys of one organization',
  }),
  maxLocationDepth: limit('max-location-depth', {
    default: 16,
    min: 1,
    max: 64,
    unit: 'levels',
    description: 'how deep locations may nest (a top-level location is level 1)',
  }),

  // Configs and their history.
  maxConfigBytes: limit('max-config-bytes', {
    default: 1 * MiB,
    min: 1 * KiB,
    max: 16 * MiB,
    unit: 'bytes',
    description: 'size of one machine part config, as JSON',
  }),
  maxConfigDepth: limit('max-config-depth', {
    default: 100,
    min: 4,
    max: 1_000,
    unit: 'levels',
    description: 'how deep objects and lists may nest in a part config',
  }),
  maxMetadataBytes: limit('max-metadata-bytes', {
    default: 64 * KiB,
    min: 1 * KiB,
    max: 16 * MiB,
    unit: 'bytes',
    description: 'size of the metadata of one organization, location, machine or part, as JSON',
  }),
  partHistoryMaxEntries: limit('part-history-max-entries', {
    default: 250,
    min: 1,
    max: 100_000,
    unit: 'entries',
    description: "earlier versions kept in a part's history (the oldest are dropped)",
  }),
  partHistoryMaxBytes: limit('part-history-max-bytes', {
    default: 32 * MiB,
    min: 16 * KiB,
    max: 4 * 1024 * MiB,
    unit: 'bytes',
    description: "total size of a part's history (the oldest versions are dropped)",
  }),

  fragmentHistoryMaxEntries: limit('fragment-history-max-entries', {
    default: 250,
    min: 1,
    max: 100_000,
    unit: 'entries',
    description: "earlier revisions kept in a fragment's history (pinning a dropped revision fails)",
  }),
  maxFragmentDepth: limit('max-fragment-depth', {
    default: 10,
    min: 1,
    max: 64,
    unit: 'levels',
    description: 'how deep fragments may include fragments',
  }),

  // Requests and responses.
  maxRequestBytes: limit('max-request-bytes', {
    default: 1 * MiB,
    min: 16 * KiB,
    max: 64 * MiB,
    unit: 'bytes',
    description: 'size of an ordinary request message (calls that carry configs or id lists get what those need)',
  }),
  maxResponseBytes: limit('max-response-bytes', {
    default: 4 * MiB,
    min: 16 * KiB,
    max: 256 * MiB,
    unit: 'bytes',
    description: 'size of a list response that carries configs (history, parts): longer lists are cut, newest first, and paged',
  }),
  maxIdsPerRequest: limit('max-ids-per-request', {
    default: 1_000,
    min: 1,
    max: 100_000,
    unit: 'ids',
    description: 'ids in one list argument (ListAuthorizations.resource_ids)',
  }),
  maxPermissionChecks: limit('max-permission-checks', {
    default: 100,
    min: 1,
    max: 10_000,
    unit: 'questions',
    description: 'resources asked about in one CheckPermissions call',
  }),

  // Connections.
  headerTimeoutMs: limit('header-timeout-ms', {
    default: 10_000,
    min: 100,
    max: 600_000,
    unit: 'ms',
    description: 'time a new connection has to send its first request line and headers (or HTTP/2 preface)',
  }),
  requestTimeoutMs: limit('request-timeout-ms', {
    default: 30_000,
    min: 100,
    max: 3_600_000,
    unit: 'ms',
    description: 'time a request has to send its whole body once its headers arrived',
  }),
  idleTimeoutMs: limit('idle-timeout-ms', {
    default: 120_000,
    min: 100,
    max: 86_400_000,
    unit: 'ms',
    description: 'an HTTP/1.1 keep-alive connection or HTTP/2 session with no traffic for this long is closed',
  }),
  maxConnectionsPerAddress: limit('max-connections-per-address', {
    default: 1_000,
    min: 1,
    max: 1_000_000,
    unit: 'connections',
    description: 'open connections from one client address (a fleet behind one NAT shares one)',
  }),
  maxConnections: limit('max-connections', {
    default: 16_384,
    min: 1,
    max: 10_000_000,
    unit: 'connections',
    description: 'open connections in all (keep it below the process file limit, ulimit -n)',
  }),
  maxConcurrentStreams: limit('max-concurrent-streams', {
    default: 100,
    min: 1,
    max: 10_000,
    unit: 'streams',
    description: 'concurrent calls on one HTTP/2 connection',
  }),

  // Sign-in.
  maxAuthenticateBytes: limit('max-authenticate-bytes', {
    default: 16 * KiB,
    min: 1 * KiB,
    max: 1 * MiB,
    unit: 'bytes',
    description: 'size of an Authenticate request',
  }),
  maxPasswordBytes: limit('max-password-bytes', {
    default: 1 * KiB,
    min: 64,
    max: 16 * KiB,
    unit: 'bytes',
    description: 'length of a password, in UTF-8 bytes',
  }),
  loginFailuresPerAccount: limit('login-failures-per-account', {
    default: 5,
    min: 1,
    max: 1_000,
    unit: 'failures',
    description: 'wrong passwords for one account before each further try must wait (1 s, doubling)',
  }),
  loginFailuresPerAddress: limit('login-failures-per-address', {
    default: 20,
    min: 1,
    max: 100_000,
    unit: 'failures',
    description: 'failed sign-ins from one client address before each further try must wait (1 s, doubling)',
  }),
  loginBackoffMaxSeconds: limit('login-backoff-max-seconds', {
    default: 900,
    min: 1,
    max: 86_400,
    unit: 's',
    description: 'longest wait imposed after failed sign-ins',
  }),
  passwordHashConcurrency: limit('password-hash-concurrency', {
    default: 2,
    min: 1,
    max: 64,
    unit: 'hashes',
    description: 'password hashes computed at once (each takes ~50 ms of one core and 32 MiB)',
  }),
  passwordHashQueue: limit('password-hash-queue', {
    default: 32,
    min: 0,
    max: 10_000,
    unit: 'sign-ins',
    description: 'sign-ins waiting for a hash slot, served fairly across addresses; beyond this they are refused (retry in 1 s)',
  }),

  // Machine logs.
  maxLogRequestBytes: limit('max-log-request-bytes', {
    default: 8 * MiB,
    min: 64 * KiB,
    max: 256 * MiB,
    unit: 'bytes',
    description: 'size of one RobotService.Log request (at most 1,000 entries)',
  }),
  logQueueEntries: limit('log-queue-entries', {
    default: 50_000,
    min: 1_000,
    max: 10_000_000,
    unit: 'entries',
    description: 'log entries waiting to be written; beyond this, Log calls are refused (RESOURCE_EXHAUSTED, retry in 1 s)',
  }),
  logQueueBytes: limit('log-queue-bytes', {
    default: 64 * MiB,
    min: 1 * MiB,
    max: 4 * 1024 * MiB,
    unit: 'bytes',
    description: 'size of the log entries waiting to be written; beyond this, Log calls are refused',
  }),
  logBatchEntries: limit('log-batch-entries', {
    default: 5_000,
    min: 1,
    max: 100_000,
    unit: 'entries',
    description: 'log entries written in one transaction at most',
  }),
  logRetentionDays: limit('log-retention-days', {
    default: 30,
    min: 1,
    max: 36_500,
    unit: 'days',
    description: "log entries older than this (by the machine's time) are deleted",
  }),
  logMaxEntriesPerPart: limit('log-max-entries-per-part', {
    default: 1_000_000,
    min: 100,
    max: 1_000_000_000,
    unit: 'entries',
    description: 'log entries kept per machine part (the oldest are deleted)',
  }),
  logRetentionIntervalSeconds: limit('log-retention-interval-seconds', {
    default: 60,
    min: 1,
    max: 86_400,
    unit: 's',
    description: 'how often old log entries are looked for (deleted in small batches, never blocking ingest)',
  }),
  restartCheckIntervalSeconds: limit('restart-check-interval-seconds', {
    default: 5,
    min: 1,
    max: 3_600,
    unit: 's',
    description: 'how often machines are told to ask NeedsRestart (restart_check_interval)',
  }),
  maxTails: limit('max-tails', {
    default: 10_000,
    min: 1,
    max: 1_000_000,
    unit: 'tails',
    description: 'live log tails open at once on one server',
  }),
  tailBufferEntries: limit('tail-buffer-entries', {
    default: 10_000,
    min: 10,
    max: 1_000_000,
    unit: 'entries',
    description: 'log entries a tail may fall behind by before it is ended (RESOURCE_EXHAUSTED)',
  }),

  // Machine data.
  dataRetentionDays: limit('data-retention-days', {
    default: 0,
    min: 0,
    max: 36_500,
    unit: 'days',
    description: 'captured data (readings and files) older than this, by capture time, is deleted; 0 keeps it all',
  }),
  dataRetentionIntervalSeconds: limit('data-retention-interval-seconds', {
    default: 600,
    min: 1,
    max: 86_400,
    unit: 's',
    description: 'how often data past --data-retention-days is looked for (deleted in batches)',
  }),

  storageCleanupIntervalSeconds: limit('storage-cleanup-interval-seconds', {
    default: 600,
    min: 1,
    max: 86_400,
    unit: 's',
    description: 'how often abandoned uploads, unfinished writes and files no row names (a day old) are cleared from storage',
  }),

  dataQueryTimeoutSeconds: limit('data-query-timeout-seconds', {
    default: 30,
    min: 1,
    max: 3_600,
    unit: 's',
    description: 'how long one TabularDataBySQL or TabularDataByMQL query may run (DEADLINE_EXCEEDED after)',
  }),
  dataQueryMaxRows: limit('data-query-max-rows', {
    default: 100_000,
    min: 1,
    max: 10_000_000,
    unit: 'documents',
    description: 'documents one SQL or MQL query may answer (RESOURCE_EXHAUSTED beyond: add a LIMIT)',
  }),
  dataQueryMaxScannedRows: limit('data-query-max-scanned-rows', {
    default: 1_000_000,
    min: 1,
    max: 100_000_000,
    unit: 'readings',
    description: 'readings one MQL pipeline may read before its in-memory stages (what its leading $match leaves)',
  }),

  // Registry.
  maxUploadMb: limit('max-upload-mb', {
    default: 1024,
    min: 1,
    max: 64 * 1024,
    unit: 'MiB',
    description: 'size of one uploaded module version, package or board definition file',
  }),
  maxUploadMessageBytes: limit('max-upload-message-bytes', {
    default: 64 * MiB,
    min: 1 * MiB,
    max: 256 * MiB,
    unit: 'bytes',
    description: 'size of one message of a streamed upload (the Python SDK sends a whole module file as one)',
  }),

  // Tokens.
  signingKeyRefreshSeconds: limit('signing-key-refresh-seconds', {
    default: 10,
    min: 1,
    max: 3_600,
    unit: 's',
    description: 'how often a server re-reads the token signing keys, so rotations and revocations reach every replica',
  }),
} as const satisfies Record<string, LimitSetting>;

export type LimitName = keyof typeof LIMITS;
export type Limits = Readonly<Record<LimitName, number>>;

export const LIMIT_NAMES = Object.keys(LIMITS) as LimitName[];

export const DEFAULT_LIMITS: Limits = Object.fromEntries(LIMIT_NAMES.map((name) => [name, LIMITS[name].default])) as Limits;

/** How a limit is named in messages: its flag, which is also what an operator changes. */
export const limitFlag = (name: LimitName): string => LIMITS[name].flag;
