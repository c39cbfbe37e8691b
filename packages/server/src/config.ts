/**
 * Server configuration: parsed once from flags and HANGAR_* environment variables, validated with zod,
 * frozen, passed down. Nothing else reads process.env.
 */
import { resolve } from 'node:path';
import { redactUrl } from '@hangar/store';
import { z } from 'zod';

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
}

export interface ConfigInput {
  readonly port?: string | undefined;
  readonly host?: string | undefined;
  readonly dataDir?: string | undefined;
  readonly databaseUrl?: string | undefined;
  readonly logLevel?: string | undefined;
  readonly machineDomain?: string | undefined;
  readonly adminEmail?: string | undefined;
}

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
  };
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '');
        const given = (raw as Record<string, unknown>)[key];
        // Never echo a database password into a terminal or a log.
        const value = key === 'databaseUrl' && typeof given === 'string' ? redactUrl(given) : given;
        return `${SOURCES[key] ?? key}: ${issue.message}, got ${JSON.stringify(value)}`;
      }),
    );
  }
  const c = parsed.data;
  const dataDir = resolve(c.dataDir);
  const databaseUrl = c.databaseUrl === undefined || c.databaseUrl === '' ? resolve(dataDir, 'hangar.db') : c.databaseUrl;
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
  });
}

/** Without a configured domain, parts are addressed under the server's own host name. */
function defaultMachineDomain(host: string): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  return wildcard || /^[\d.]+$/.test(host) || host.includes(':') ? 'hangar.local' : host;
}
