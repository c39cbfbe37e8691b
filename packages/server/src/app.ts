/**
 * The composition root: the one place that opens the database, builds every service with exactly what it
 * uses, and wires the routes onto one listener.
 */
import { createContextValues } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { createReadingsQueryRunner, migrate, openLogStore, openStore, ping, type Engine, type LogStore, type Store } from '@hangar/store';
import {
  AccountService,
  appApi,
  AppService,
  AuthService as AuthServiceDescriptor,
  DataService,
  DatasetService,
  ReadingsExportService,
  DataSyncService,
  EffectiveConfigService,
  InviteService,
  PackageService,
} from '@hangar/wire';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { accountRpc } from './account/account.rpc.js';
import { createAuthService, type TokenResult } from './auth/auth.service.js';
import type { TokenClaims } from './auth/tokens.js';
import { registerAuthService } from './auth/auth.rpc.js';
import { createSigningKeys } from './auth/signing-keys.js';
import { checkServerKey, loadServerKey, type ServerKey } from './crypto/server-key.js';
import { bootstrap, type InitialAdmin } from './bootstrap.js';
import type { Config } from './config.js';
import { applyCors } from './http/cors.js';
import { invitePage } from './http/invite-page.js';
import { createSecretBox } from './crypto/secret-box.js';
import { sealExistingSecrets } from './crypto/seal-existing.js';
import { createMailer } from './mail/mailer.js';
import { startOutboxDrainer } from './mail/outbox.js';
import { registerInviteServices } from './members/invite.rpc.js';
import { membersRpc } from './members/members.rpc.js';
import { createMembersService, type MembersService } from './members/members.service.js';
import { metadataRpc } from './metadata/metadata.rpc.js';
import { createMetadataService } from './metadata/metadata.service.js';
import { summariesRpc } from './summaries/summaries.rpc.js';
import { createSummariesService } from './summaries/summaries.service.js';
import { createListener, type RequestHandler } from './http/listener.js';
import { createLogWriter } from './logs/log-writer.js';
import { createLogTails, logsRpc, machineLogsRpc, machineService, type MachineServiceDescriptor } from './logs/logs.rpc.js';
import { createLogsService } from './logs/logs.service.js';
import { startLogRetention } from './logs/retention.js';
import { createTailHttp } from './logs/tail-http.js';
import { createMetrics } from './metrics.js';
import { createMachineCredentials } from './auth/machine-credentials.js';
import { machineRpc } from './machines/machine.rpc.js';
import { createMachineService } from './machines/machine.service.js';
import { createPresence } from './machines/presence.js';
import { createRelay } from './machines/relay.js';
import { tunnelAcceptor } from './machines/tunnel-upgrade.js';
import { createTunnels } from './machines/tunnels.js';
import { rejectUnauthenticated } from './http/reject.js';
import { keysRpc } from './keys/keys.rpc.js';
import { createKeysService } from './keys/keys.service.js';
import { locationsRpc } from './locations/locations.rpc.js';
import { createLocationsService } from './locations/locations.service.js';
import type { Logger } from './log.js';
import { organizationsRpc } from './organizations/organizations.rpc.js';
import { createOrganizationsService } from './organizations/organizations.service.js';
import { createAccess } from './rpc/access.js';
import {
  ACCOUNT_METHODS,
  DATA_METHODS,
  DATASYNC_METHODS,
  DATASET_METHODS,
  READINGS_EXPORT_METHODS,
  EFFECTIVE_CONFIG_METHODS,
  METHODS,
  PACKAGE_METHODS,
  ROBOT_METHODS,
} from './rpc/methods.js';
import { createDataHttp } from './data/data-http.js';
import { createUrlSigner } from './crypto/url-signer.js';
import { dataRpc, dataSyncRpc } from './data/data.rpc.js';
import { createDataService } from './data/data.service.js';
import { createDataQueryService } from './data/data-query.js';
import { createDatasetsService } from './data/datasets.service.js';
import { datasetsRpc } from './data/datasets.rpc.js';
import { readingsExportRpc } from './data/readings-export.rpc.js';
import { startDataRetention } from './data/retention.js';
import { startStorageCleanup } from './blobs/storage-cleanup.js';
import { describeBlobStore, openBlobStore } from './blobs/open-blob-store.js';
import { collectUnreferenced } from './blobs/collect-unreferenced.js';
import { createDownloadLinks } from './registry/download-links.js';
import { packagesRpc } from './registry/packages.rpc.js';
import { createRegistryHttp } from './registry/registry-http.js';
import { registryRpc } from './registry/registry.rpc.js';
import { createRegistryService } from './registry/registry.service.js';
import { effectiveConfigRpc, fragmentsRpc } from './fragments/fragments.rpc.js';
import { createFragmentsService } from './fragments/fragments.service.js';
import { authorizerFor, PEER_ADDRESS, registerService, REQUEST_HOST, VERIFIED_CLAIMS, type RouteDeps } from './rpc/routes.js';
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

/** Paths callable without a token; every other RPC is refused before its body is read unless it has one. */
const PUBLIC_RPC_PREFIXES = [`/${AuthServiceDescriptor.typeName}/`, `/${InviteService.typeName}/`];

export async function startApp({ config, log, now = () => new Date(), newId = randomUUID }: AppOptions): Promise<RunningApp> {
  // The data dir holds the database and the secret key: the server's user only, even if it existed before.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  await chmod(config.dataDir, 0o700);
  const serverKey = await loadServerKey(config.secretKey);
  const store = openStore({ url: config.databaseUrl, poolSize: config.poolSize });
  let logStore: LogStore | undefined;
  try {
    await migrate(store);
    // Logs have a pool of their own: a burst of ingest never takes the fleet's connections.
    logStore = await openLogStore({ url: config.databaseUrl, poolSize: Math.max(2, Math.ceil(config.poolSize / 2)) });
    return await serve(store, logStore, serverKey, { config, log, now, newId });
  } catch (err) {
    await logStore?.close();
    await store.close();
    throw err;
  }
}

async function serve(
  store: Store,
  logStore: LogStore,
  serverKey: ServerKey,
  { config, log, now, newId }: Required<AppOptions>,
): Promise<RunningApp> {
  const { db } = store;
  const { limits } = config;
  await checkServerKey(store, serverKey);
  const box = createSecretBox(serverKey);
  await sealExistingSecrets(db, box, now, newId);
  const signingKeys = await createSigningKeys({ db, serverKey, now, refreshSeconds: limits.signingKeyRefreshSeconds });
  const initialAdmin = await bootstrap({ db, now, newId, adminEmail: config.adminEmail });
  // Known once the listener has its port; links in mail name the server by it unless --public-url says.
  let publicUrl = config.publicUrl ?? '';
  const drainer =
    config.smtpUrl === undefined
      ? undefined
      : startOutboxDrainer({ db, box, mailer: createMailer(config.smtpUrl, config.smtpFrom), now, log });

  let members: MembersService | undefined = undefined;
  const machineCredentials = createMachineCredentials({ db, box, machineDomain: config.machineDomain });
  const auth = createAuthService({
    machines: machineCredentials,
    db,
    now,
    signingKeys,
    tokenTtlSeconds: config.tokenTtlSeconds,
    limits,
    onSignIn: (userId, email) => members?.applyOnSignIn(userId, email) ?? Promise.resolve(),
  });
  members = createMembersService({
    db,
    now,
    newId,
    box,
    canMail: drainer !== undefined,
    mailQueued: () => drainer?.wake(),
    publicUrl: () => publicUrl,
    mintUserToken: (userId, generation) => auth.mintUser(userId, generation),
  });
  const access = createAccess(db);
  const blobs = await openBlobStore(config.blobUrl, config.dataDir);
  log.info({ blobs: describeBlobStore(config.blobUrl) }, 'registry files are kept in %s', describeBlobStore(config.blobUrl));
  const organizations = createOrganizationsService({
    db,
    now,
    newId,
    limits,
    collectBlobs: async (sha256s) => {
      await collectUnreferenced(db, blobs, log, sha256s);
    },
  });
  const locations = createLocationsService({ db, now, newId, limits, box });
  const keys = createKeysService({ db, now, newId, limits });
  const users = createUsersService({ db });
  const robots = createRobotsService({ db, now, newId, limits, box });
  const fragments = createFragmentsService({ db, now, newId, limits });
  const parts = createPartsService({ db, now, newId, limits, box, checkFragments: (config) => fragments.checkPartConfig(config) });
  const roles = createRolesService({ db, now, newId, access, limits });
  const metadata = createMetadataService({ db, limits });
  const summaries = createSummariesService({ db, now });
  const maxUploadBytes = limits.maxUploadMb * 1024 * 1024;
  const registry = createRegistryService({ db, blobs, now, newId, log, maxUploadBytes });
  const data = createDataService({
    db,
    blobs,
    now,
    log,
    maxFileBytes: maxUploadBytes,
    database: { engine: store.engine, url: config.databaseUrl },
  });
  const datasets = createDatasetsService({ db, now, newId, files: data });
  const readingsQueries = createReadingsQueryRunner({
    engine: store.engine,
    url: config.databaseUrl,
    timeoutMs: limits.dataQueryTimeoutSeconds * 1000,
    maxRows: limits.dataQueryMaxRows,
  });
  const dataQueries = createDataQueryService({
    db,
    engine: store.engine,
    runner: readingsQueries,
    timeoutMs: limits.dataQueryTimeoutSeconds * 1000,
    maxRows: limits.dataQueryMaxRows,
    maxScannedRows: limits.dataQueryMaxScannedRows,
  });
  const downloadLinks = createDownloadLinks(serverKey.derive('registry-download-links'), now);
  /** How the caller reached this server, for links it is handed: --public-url, else the host it asked for. */
  const baseUrlOf = (host: string | null | undefined) => config.publicUrl ?? (host ? `http://${host}` : publicUrl);
  const callBaseUrl = (call: { host: string }) => baseUrlOf(call.host);
  const partView = () => ({ machineDomain: config.machineDomain, now: now() });

  const presence = createPresence({ db, now, log });
  const machine = createMachineService({
    db,
    box,
    fragments,
    machineDomain: config.machineDomain,
    restartCheckIntervalSeconds: limits.restartCheckIntervalSeconds,
    resolveModules: registry.resolveConfigModules,
  });
  const metrics = createMetrics();
  // Tags what this server announces to the other replicas, so it can ignore its own announcements.
  const origin = newId();
  const tails = createLogTails({ maxTails: limits.maxTails, bufferEntries: limits.tailBufferEntries });
  const writer = createLogWriter({
    store: logStore,
    origin,
    maxQueueEntries: limits.logQueueEntries,
    maxQueueBytes: limits.logQueueBytes,
    maxBatchEntries: limits.logBatchEntries,
    onCommitted: (entries) => {
      tails.publish(entries);
    },
    onBatch: metrics.logBatch,
    onRefused: metrics.logIngestRefused,
    onError: (err) => {
      log.error({ err }, 'writing log entries failed');
    },
  });
  const logs = createLogsService({
    store: logStore,
    writer,
    tails,
    origin,
    presence,
    log,
    maxResponseBytes: limits.maxResponseBytes,
  });
  const logListener = await logs.listen();
  const startRetention = () =>
    startLogRetention({
      db,
      store: logStore,
      now,
      log,
      retentionDays: limits.logRetentionDays,
      maxEntriesPerPart: limits.logMaxEntriesPerPart,
      intervalSeconds: limits.logRetentionIntervalSeconds,
      onDeleted: metrics.logsDeleted,
    });
  metrics.observeSources({
    logQueueDepth: () => writer.depth(),
    activeTails: () => tails.active(),
    pools: () => ({ fleet: store.poolUse(), logs: logStore.poolUse() }),
  });
  const routeDeps: RouteDeps = {
    auth,
    access,
    log,
    limits,
    onStart: metrics.rpcStarted,
    onCall: metrics.rpc,
    onMachineCall: (partId) => {
      presence.touch(partId);
    },
  };
  // Live tails are written straight to their streams, one encoding per batch for every tail (tail-http.ts).
  const tailHttp = createTailHttp({
    hub: tails,
    authorize: authorizerFor(METHODS.tailRobotPartLogs, routeDeps),
    log,
    maxRequestBytes: limits.maxRequestBytes,
    bufferEntries: limits.tailBufferEntries,
    onStart: metrics.rpcStarted,
    onCall: metrics.rpc,
  });
  const membersService = members;
  // Data downloads authenticate as any signed-in call does; the service confines them to readable data.
  const authenticateDownload = authorizerFor({ access: 'signed_in' }, routeDeps);
  const dataHttp = createDataHttp({
    data,
    log,
    authenticate: async (authorization) =>
      (await authenticateDownload(new appApi.GetUserIDByEmailRequest(), undefined, authorization)).actor,
    signInWithKey: (keyId, key, address) => auth.authenticate(keyId, 'api-key', key, address),
    signer: createUrlSigner(serverKey.derive('data-signed-urls'), now),
  });
  // The registry's HTTP side asks the policy as GetModule (reading) and UploadModuleFile (owners) would.
  const authorizeItem = (action: 'org.read' | 'org.admin') => {
    const authorize = authorizerFor<appApi.GetModuleRequest>(
      { requires: (r) => ({ action, target: { registryItem: r.moduleId, field: 'module_id' } }) },
      routeDeps,
    );
    return (moduleId: string, authorization: string | null) =>
      authorize(new appApi.GetModuleRequest({ moduleId }), undefined, authorization);
  };
  const registryHttp = createRegistryHttp({
    db,
    registry,
    blobs,
    links: downloadLinks,
    log,
    dataDir: config.dataDir,
    maxUploadBytes,
    now,
    newId,
    baseUrl: (req) => baseUrlOf(req.headers.host ?? (req.headers[':authority'] as string | undefined)),
    authorizeRead: authorizeItem('org.read'),
    authorizeUpload: authorizeItem('org.admin'),
  });

  /**
   * An RPC without a valid token is answered before its body is read; only AuthService is open. The
   * claims verified then travel with the request, so the call's guard does not verify them again.
   */
  const verifiedClaims = new WeakMap<object, TokenClaims>();
  const proceed = (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1], result: TokenResult) => {
    if ('problem' in result) {
      rejectUnauthenticated(req, res, result.problem);
      return;
    }
    if (tailHttp(req, res, result.claims)) return;
    verifiedClaims.set(req, result.claims);
    rpc(req, res);
  };

  const rpc = connectNodeAdapter({
    readMaxBytes: limits.maxRequestBytes,
    contextValues: (req) =>
      createContextValues()
        .set(PEER_ADDRESS, req.socket.remoteAddress ?? '')
        .set(REQUEST_HOST, req.headers.host ?? (req.headers[':authority'] as string | undefined) ?? '')
        .set(VERIFIED_CLAIMS, verifiedClaims.get(req)),
    routes: (router) => {
      registerAuthService(router, auth, log, limits);
      registerService(
        router,
        AppService,
        METHODS,
        {
          ...organizationsRpc(organizations),
          ...locationsRpc(locations),
          ...keysRpc(keys),
          ...usersRpc(users),
          ...robotsRpc(robots, now),
          ...partsRpc(parts, partView),
          ...rolesRpc(roles),
          ...membersRpc(membersService),
          ...metadataRpc(metadata),
          ...summariesRpc(summaries),
          ...fragmentsRpc(fragments),
          ...logsRpc(logs),
          ...registryRpc(registry, callBaseUrl),
        },
        routeDeps,
      );
      registerService(router, PackageService, PACKAGE_METHODS, packagesRpc(registry, downloadLinks, callBaseUrl), routeDeps);
      registerService<MachineServiceDescriptor>(
        router,
        machineService(limits.maxConfigDepth),
        ROBOT_METHODS,
        { ...machineRpc(machine), ...machineLogsRpc(logs, now) },
        routeDeps,
      );
      registerService(
        router,
        DataService,
        DATA_METHODS,
        dataRpc({ service: data, queries: dataQueries, datasets, links: dataHttp }, callBaseUrl, {
          testDelayMs: Number(process.env.HANGAR_TEST_DATA_DELAY_MS ?? 0),
        }),
        routeDeps,
      );
      registerService(router, DatasetService, DATASET_METHODS, datasetsRpc(datasets), routeDeps);
      registerService(router, ReadingsExportService, READINGS_EXPORT_METHODS, readingsExportRpc(data), routeDeps);
      registerService(router, DataSyncService, DATASYNC_METHODS, dataSyncRpc(data), routeDeps);
      registerService(router, AccountService, ACCOUNT_METHODS, accountRpc(auth), routeDeps);
      registerInviteServices(router, membersService, auth, log, limits, routeDeps);
      registerService(router, EffectiveConfigService, EFFECTIVE_CONFIG_METHODS, effectiveConfigRpc(fragments), routeDeps);
    },
  });

  const guarded: RequestHandler = (req, res) => {
    const path = req.url ?? '';
    if (req.method !== 'POST' || PUBLIC_RPC_PREFIXES.some((prefix) => path.startsWith(prefix))) {
      rpc(req, res);
      return;
    }
    const result = auth.preflight(req.headers.authorization ?? null);
    if (!(result instanceof Promise)) {
      proceed(req, res, result);
      return;
    }
    result.then(
      (r) => {
        proceed(req, res, r);
      },
      (err: unknown) => {
        log.error({ err }, 'token check failed');
        rejectUnauthenticated(req, res, 'the server could not check the access token; retry');
      },
    );
  };

  const tunnels = createTunnels({
    log,
    onAlive: (partId) => {
      presence.touch(partId);
    },
  });
  const relay = createRelay({ db, tunnels, auth, access, machines: machineCredentials, log });
  const acceptTunnel = tunnelAcceptor(auth, tunnels, log);

  const listener = createListener(
    (req, res) => {
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
      if (req.method === 'GET' && path === '/metrics' && config.metrics) {
        metrics.render().then(
          ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
          (err: unknown) => {
            log.error({ err }, 'rendering metrics failed');
            res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
          },
        );
        return;
      }
      if (req.method === 'GET' && (path === '/invite' || path.startsWith('/invite?'))) {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(invitePage(publicUrl));
        return;
      }
      if (applyCors(req, res)) return;
      if (registryHttp.handle(req, res)) return;
      if (dataHttp.handle(req, res)) return;
      if (relay(req, res)) return;
      guarded(req, res);
    },
    limits,
    acceptTunnel,
  );
  let port: number;
  try {
    port = await listener.listen(config.port, config.host);
  } catch (err) {
    await logListener?.close();
    await drainer?.stop();
    signingKeys.stop();
    throw err;
  }
  const retention = startRetention();
  const storageCleanup = startStorageCleanup({
    db,
    blobs,
    sweepUploads: registryHttp.sweep,
    log,
    now,
    intervalSeconds: limits.storageCleanupIntervalSeconds,
  });
  const dataRetention = startDataRetention({
    data,
    now,
    log,
    retentionDays: limits.dataRetentionDays,
    intervalSeconds: limits.dataRetentionIntervalSeconds,
  });
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  publicUrl ||= url;

  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    engine: store.engine,
    initialAdmin,
    close: () => {
      closing ??= (async () => {
        // Live tails and machine tunnels never finish by themselves: end them first, so they do not hold the shutdown up.
        tails.close();
        tunnels.close();
        await listener.close(SHUTDOWN_GRACE_MS);
        // Every answered Log call is committed already; what is still queued was never answered.
        await writer.close();
        await retention.stop();
        await dataRetention.stop();
        await storageCleanup.stop();
        await readingsQueries.close();
        await presence.stop();
        await logListener?.close();
        await drainer?.stop();
        signingKeys.stop();
        await logStore.close();
        await store.close();
      })();
      return closing;
    },
  };
}
