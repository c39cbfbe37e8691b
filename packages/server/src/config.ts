/**
 * Server configuration: parsed once from flags and HANGAR_* environment variables, validated with zod,
 * frozen, passed down. Nothing else reads process.env.
 */
import { resolve } from 'node:path';
import { engineOf, redactUrl } from '@hangar/store';
import { z } from 'zod';
import { LIMIT_NAMES, LIMITS, type LimitName, type Limits } from './settings.js';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** `postgres://…` selects PostgreSQL; otherwise the SQLite file to use. */
  readonly databaseUrl: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Domain under which machine parts get their fqdn (`<part>.<location>.<domain>`). */
  readonly machineDomain: string;
  readonly adminEmail: string;
  /** Seconds an access token stays valid; Viam's CLI sessions last 24 hours. */
  readonly tokenTtlSeconds: number;
  readonly poolSize: number;
  /**
   * Where the server's secret key comes from: the key itself (HANGAR_SECRET_KEY) or a file. Everything the
   * database must not hold in clear (token signing keys, machine secrets) is derived from or sealed with it.
   */
  readonly secretKey: { readonly value: string } | { readonly file: string; readonly createIfMissing: boolean };
  readonly limits: Limits;
  /** `smtp://user:pass@host:port` or `smtps://…`: where invitations are mailed; undefined sends no mail. */
  readonly smtpUrl: string | undefined;
  /** The From of Hangar's mail. */
  readonly smtpFrom: string;
  /** How clients reach this server, for links in mail; undefined: the address it listens on. */
  readonly publicUrl: string | undefined;
  /** Whether `GET /metrics` answers. */
  readonly metrics: boolean;
  /** `s3://bucket/prefix`: registry files in an object store (for replicas); undefined: in the data dir. */
  readonly blobUrl: string | undefined;
}

/** Flags as `hangar server` passes them (camelCase of the flag name); every value is a string. */
export type ConfigInput = {
  readonly port?: string | undefined;
  readonly host?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly databaseUrl?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly machineDomain?: string | undefined;
  readonly adminEmail?: string | undefined;
  readonly secretKeyFile?: string | undefined;
  readonly smtpUrl?: string | undefined;
  readonly smtpFrom?: string | undefined;
  readonly publicUrl?: string | undefined;
  /** `--metrics` / `--no-metrics` (commander gives booleans) or "on"/"off". */
  readonly metrics?: string | boolean | undefined;
  readonly blobUrl?: string | undefined;
} & Partial<Readonly<Record<LimitName, string | undefined>>>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

const schema = z.object({
  port: z.coerce.number({ message: 'expected a port number 0–65535' }).int().min(0).max(65535),
  host: z.string().min(1, 'expected a host name or address, e.g. 0.0.0.0'),
  dataDir: z.string().min(1, 'expected a directory path'),
  databaseUrl: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(v) || /^postgres(ql)?:\/\//i.test(v), {
      message: 'expected a file path or postgres://…',
    }),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'expected one of fatal, error, warn, info, debug, trace, silent',
  }),
  machineDomain: z
    .string()
    .regex(/^[a-z0-9.-]+$/i, 'expected a DNS domain such as hangar.local')
    .optional(),
  adminEmail: z.string().email('expected an email address'),
  tokenTtlSeconds: z.coerce.number().int().positive('expected a positive number of seconds'),
  poolSize: z.coerce.number().int().min(1).max(200),
  secretKeyFile: z.string().min(1, 'expected a file path').optional(),
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\/[^/\s]+(:\d+)?\/?$/i, 'expected smtp://user:password@host:port or smtps://…')
    .optional(),
  smtpFrom: z.string().min(3, 'expected a sender such as "Hangar <hangar@example.com>"'),
  publicUrl: z
    .string()
    .regex(/^https?:\/\/[^\s]+$/i, 'expected the http:// or https:// URL clients reach this server at')
    .optional(),
  secretKey: z.string().min(1).optional(),
  blobUrl: z
    .string()
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'expected s3://bucket or s3://bucket/prefix')
    .optional(),
  metrics: z
    .string()
    .regex(/^(on|off|true|false|1|0|yes|no)$/i, 'expected on or off')
    .transform((v) => /^(on|true|1|yes)$/i.test(v)),
  ...(Object.fromEntries(
    LIMIT_NAMES.map((name) => {
      const { min, max, unit } = LIMITS[name];
      const message = `expected a whole number of ${unit} from ${min} to ${max}`;
      return [name, z.string().regex(/^\d+$/, message).transform(Number).pipe(z.number().int().min(min, message).max(max, message))];
    }),
  ) as unknown as Record<LimitName, z.ZodType<number, z.ZodTypeDef, string>>),
});

/** Where each setting comes from, for messages that say what to fix. */
const SOURCES: Record<string, string> = {
  port: '--port / HANGAR_PORT',
  host: '--host / HANGAR_HOST',
  dataDir: '--data-dir / HANGAR_DATA_DIR',
  databaseUrl: '--database-url / HANGAR_DATABASE_URL',
  logLevel: '--log-level / HANGAR_LOG_LEVEL',
  machineDomain: '--machine-domain / HANGAR_MACHINE_DOMAIN',
  adminEmail: '--admin-email / HANGAR_ADMIN_EMAIL',
  tokenTtlSeconds: 'HANGAR_TOKEN_TTL_SECONDS',
  poolSize: 'HANGAR_DB_POOL_SIZE',
  secretKeyFile: '--secret-key-file / HANGAR_SECRET_KEY_FILE',
  smtpUrl: '--smtp-url / HANGAR_SMTP_URL',
  smtpFrom: '--smtp-from / HANGAR_SMTP_FROM',
  publicUrl: '--public-url / HANGAR_PUBLIC_URL',
  secretKey: 'HANGAR_SECRET_KEY',
  metrics: '--metrics, --no-metrics / HANGAR_METRICS',
  blobUrl: '--blob-url / HANGAR_BLOB_URL',
  ...Object.fromEntries(LIMIT_NAMES.map((name) => [name, `${LIMITS[name].flag} / ${LIMITS[name].env}`])),
};

/** Flags win over the environment, the environment over defaults. */
export function loadConfig(flags: ConfigInput, env: NodeJS.ProcessEnv = process.env): Config {
  const raw = {
    port: flags.port ?? env.HANGAR_PORT ?? '8080',
    host: flags.host ?? env.HANGAR_HOST ?? '0.0.0.0',
    dataDir: flags.dataDir ?? env.HANGAR_DATA_DIR ?? './hangar-data',
    databaseUrl: flags.databaseUrl ?? env.HANGAR_DATABASE_URL,
    logLevel: flags.logLevel ?? env.HANGAR_LOG_LEVEL ?? 'info',
    machineDomain: flags.machineDomain ?? env.HANGAR_MACHINE_DOMAIN,
    adminEmail: flags.adminEmail ?? env.HANGAR_ADMIN_EMAIL ?? 'admin@hangar.local',
    tokenTtlSeconds: env.HANGAR_TOKEN_TTL_SECONDS ?? String(24 * 60 * 60),
    poolSize: env.HANGAR_DB_POOL_SIZE ?? '10',
    secretKeyFile: flags.secretKeyFile ?? env.HANGAR_SECRET_KEY_FILE,
    smtpUrl: flags.smtpUrl ?? env.HANGAR_SMTP_URL,
    smtpFrom: flags.smtpFrom ?? env.HANGAR_SMTP_FROM ?? 'Hangar <hangar@localhost>',
    publicUrl: flags.publicUrl ?? env.HANGAR_PUBLIC_URL,
    blobUrl: flags.blobUrl ?? env.HANGAR_BLOB_URL,
    secretKey: env.HANGAR_SECRET_KEY,
    metrics: typeof flags.metrics === 'boolean' ? String(flags.metrics) : (flags.metrics ?? env.HANGAR_METRICS ?? 'on'),
    ...Object.fromEntries(LIMIT_NAMES.map((name) => [name, flags[name] ?? env[LIMITS[name].env] ?? String(LIMITS[name].default)])),
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '');
        const given = (raw as Record<string, unknown>)[key];
        // Never echo a database password or the secret key into a terminal or a log.
        if (key === 'secretKey') return `${SOURCES[key] ?? key}: ${issue.message}`;
        const value = (key === 'databaseUrl' || key === 'smtpUrl') && typeof given === 'string' ? redactUrl(given) : given;
        return `${SOURCES[key] ?? key}: ${issue.message}, got ${JSON.stringify(value)}`;
      }),
    );
  }
  const c = parsed.data;
  const dataDir = resolve(c.dataDir);
  const databaseUrl = c.databaseUrl === undefined || c.databaseUrl === '' ? resolve(dataDir, 'hangar.db') : c.databaseUrl;
  const secretKey = secretKeySource(c.secretKey, c.secretKeyFile, dataDir, databaseUrl);
  const limits = Object.freeze(Object.fromEntries(LIMIT_NAMES.map((name) => [name, c[name]])) as Limits);
  return Object.freeze({
    port: c.port,
    host: c.host,
    dataDir,
    databaseUrl,
    logLevel: c.logLevel,
    machineDomain: c.machineDomain ?? defaultMachineDomain(c.host),
    adminEmail: c.adminEmail,
    tokenTtlSeconds: c.tokenTtlSeconds,
    poolSize: c.poolSize,
    secretKey,
    limits,
    smtpUrl: c.smtpUrl,
    smtpFrom: c.smtpFrom,
    publicUrl: c.publicUrl?.replace(/\/+$/, ''),
    metrics: c.metrics,
    blobUrl: c.blobUrl,
  });
}

export const SECRET_KEY_FILE_NAME = 'secret.key';

/**
 * SQLite keeps its key beside the database, created on first start. PostgreSQL replicas must all use the
 * same key, so none may invent its own: the operator makes one and gives it to every replica.
 */
function secretKeySource(value: string | undefined, file: string | undefined, dataDir: string, databaseUrl: string): Config['secretKey'] {
  if (value !== undefined && file !== undefined) {
    throw new ConfigError(['HANGAR_SECRET_KEY and --secret-key-file / HANGAR_SECRET_KEY_FILE are both set: give the key one way']);
  }
  if (value !== undefined) return { value };
  if (file !== undefined) return { file: resolve(file), createIfMissing: false };
  if (engineOf(databaseUrl) === 'postgres') {
    throw new ConfigError([
      'PostgreSQL needs a secret key that every replica shares: create one with "hangar server generate-secret-key > /etc/hangar/secret.key" (chmod 600), then pass --secret-key-file /etc/hangar/secret.key (or set HANGAR_SECRET_KEY_FILE, or HANGAR_SECRET_KEY to its contents) on every replica',
    ]);
  }
  return { file: resolve(dataDir, SECRET_KEY_FILE_NAME), createIfMissing: true };
}

/** Without a configured domain, parts are addressed under the server's own host name. */
function defaultMachineDomain(host: string): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  return wildcard || /^[\d.]+$/.test(host) || host.includes(':') ? 'hangar.local' : host;
}
