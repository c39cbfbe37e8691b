/**
 * The composition root: the one place that opens the database, builds every service with exactly what it
 * uses, and wires the routes onto one listener.
 */
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { migrate, openStore, ping, settings, type Engine, type Store } from '@hangar/store';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createAuthService } from './auth/auth.service.js';
import { registerAuthService } from './auth/auth.rpc.js';
import { bootstrap, type InitialAdmin } from './bootstrap.js';
import type { Config } from './config.js';
import { applyCors } from './http/cors.js';
import { createListener } from './http/listener.js';
import { keysRpc } from './keys/keys.rpc.js';
import { createKeysService } from './keys/keys.service.js';
import { locationsRpc } from './locations/locations.rpc.js';
import { createLocationsService } from './locations/locations.service.js';
import type { Logger } from './log.js';
import { organizationsRpc } from './organizations/organizations.rpc.js';
import { createOrganizationsService } from './organizations/organizations.service.js';
import { createAccess } from './rpc/access.js';
import { METHODS } from './rpc/methods.js';
import { registerAppService } from './rpc/routes.js';
import { partsRpc } from './parts/parts.rpc.js';
import { createPartsService } from './parts/parts.service.js';
import { robotsRpc } from './robots/robots.rpc.js';
import { createRobotsService } from './robots/robots.service.js';
import { rolesRpc } from './roles/roles.rpc.js';
import { createRolesService } from './roles/roles.service.js';
import { usersRpc } from './users/users.rpc.js';
import { createUsersService } from './users/users.service.js';

export interface AppOptions {
  readonly config: Config;
  readonly log: Logger;
  /** The clock; tests move it forward to expire tokens. */
  readonly now?: () => Date;
  readonly newId?: () => string;
}

export interface RunningApp {
  readonly port: number;
  readonly url: string;
  readonly engine: Engine;
  /** Set when this start created the administrator (first start on an empty database). */
  readonly initialAdmin: InitialAdmin | undefined;
  close(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 10_000;

export async function startApp({ config, log, now = () => new Date(), newId = randomUUID }: AppOptions): Promise<RunningApp> {
  await mkdir(config.dataDir, { recursive: true });
  const store = openStore({ url: config.databaseUrl, poolSize: config.poolSize });
  try {
    return await serve(store, { config, log, now, newId });
  } catch (err) {
    await store.close();
    throw err;
  }
}

async function serve(store: Store, { config, log, now, newId }: Required<AppOptions>): Promise<RunningApp> {
  const { db } = store;
  await migrate(store);
  // One signing key per installation, shared by every replica through the database.
  const signingKey = Buffer.from(await settings.ensureSetting(db, 'token_signing_key', randomBytes(32).toString('base64')), 'base64');
  const initialAdmin = await bootstrap({ db, now, newId, adminEmail: config.adminEmail });

  const auth = createAuthService({ db, now, signingKey, tokenTtlSeconds: config.tokenTtlSeconds });
  const access = createAccess(db);
  const organizations = createOrganizationsService({ db, now, newId });
  const locations = createLocationsService({ db, now, newId });
  const keys = createKeysService({ db, now, newId });
  const users = createUsersService({ db });
  const robots = createRobotsService({ db, now, newId });
  const parts = createPartsService({ db, now, newId });
  const roles = createRolesService({ db, now, newId, access });
  const partView = () => ({ machineDomain: config.machineDomain, now: now() });

  const rpc = connectNodeAdapter({
    readMaxBytes: 32 * 1024 * 1024,
    routes: (router) => {
      registerAuthService(router, auth, log);
      registerAppService(router, {
        methods: METHODS,
        handlers: {
          ...organizationsRpc(organizations),
          ...locationsRpc(locations),
          ...keysRpc(keys),
          ...usersRpc(users),
          ...robotsRpc(robots, now),
          ...partsRpc(parts, partView),
          ...rolesRpc(roles),
        },
        auth,
        access,
        log,
      });
    },
  });

  const listener = createListener((req, res) => {
    const path = req.url ?? '/';
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (req.method === 'GET' && path === '/readyz') {
      ping(store).then(
        () => res.writeHead(200, { 'content-type': 'text/plain' }).end('ready\n'),
        () => res.writeHead(503, { 'content-type': 'text/plain' }).end('database unreachable\n'),
      );
      return;
    }
    if (applyCors(req, res)) return;
    rpc(req, res);
  });
  const port = await listener.listen(config.port, config.host);
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    engine: store.engine,
    initialAdmin,
    close: () => {
      closing ??= (async () => {
        await listener.close(SHUTDOWN_GRACE_MS);
        await store.close();
      })();
      return closing;
    },
  };
}
