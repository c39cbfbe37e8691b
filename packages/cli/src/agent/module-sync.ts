/**
 * The registry modules of `hangar agent`'s config, on disk, as viam-server keeps them: for each package of
 * type module, GetPackage for the machine's platform, the archive downloaded (streamed, hashed on the way,
 * resumed where a broken download stopped), checked against the server's sha256, unpacked beside its final
 * place and renamed into it, so a directory with its marker is always whole. Versions the config no longer
 * names are removed once the current ones are in place. The agent does not run modules; this only puts them
 * where a module's `${packages.module.<name>}` path points.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, constants, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Code, HangarError, type appRobotApi } from '@hangar/sdk';
import { PackageType, type Package } from '@hangar/wire';
import { extractModuleArchive } from '../module-package.js';

export type NoteLevel = 'info' | 'warn' | 'error';

export interface PackageRequest {
  id: string;
  version: string;
  type: PackageType;
  platform?: string;
}

export interface ModuleSyncOptions {
  /** The agent's data directory; modules go to `<dataDir>/packages/data/module/`. */
  readonly dataDir: string;
  /** The machine's platform in the registry's spelling (`linux/amd64`): see registryPlatform. */
  readonly platform: string;
  /** MachineClient.getPackage. */
  readonly getPackage: (req: PackageRequest) => Promise<Package>;
  /** The access token the download authenticates with. */
  readonly token: () => string;
  readonly note: (level: NoteLevel, message: string) => void;
  readonly fetch?: typeof fetch;
  /** A download that receives nothing for this long is given up; the next sync resumes it. */
  readonly idleTimeoutMs?: number;
}

export interface ModuleSyncResult {
  /** The package's name in the config (`packages[].name`); for a module the server could not resolve, the module's name. */
  readonly name: string;
  /** `<namespace or org id>/<module name>`; empty for an unresolved module. */
  readonly package: string;
  readonly version: string;
  readonly platform: string;
  readonly outcome: 'downloaded' | 'cached' | 'failed' | 'unresolved';
  /** Where the package is unpacked (downloaded or cached). */
  readonly dir?: string;
  /** sha256 of the archive, lowercase hex (downloaded or cached). */
  readonly sha256?: string;
  /** Bytes of the archive (downloaded). */
  readonly bytes?: number;
  /** What went wrong and what to check (failed, unresolved). */
  readonly error?: string;
  /** The config's modules that run from this package, their `path` with the placeholder resolved. */
  readonly modules: { name: string; path: string }[];
}

export interface ModuleSync {
  /** Brings the config's module packages to disk; one sync at a time, later calls wait for earlier ones. */
  sync(config: appRobotApi.RobotConfig, signal?: AbortSignal): Promise<ModuleSyncResult[]>;
  /** Where the last sync unpacked the package of this name, if it is there. */
  packageDir(pkgName: string): string | undefined;
}

/** Written last into a package's directory, holding the archive's sha256: without it the directory is not whole. */
export const COMPLETE_MARKER = '.hangar-complete';
const DOWNLOAD_SUFFIX = '.download';
const TMP_PATTERN = /\.tmp-[0-9a-f]+$/;
const PLACEHOLDER = /\$\{packages\.module\.([^}]+)\}/g;
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

const ARCH: Record<string, string> = { x64: 'amd64', x86_64: 'amd64', arm64: 'arm64', aarch64: 'arm64', arm: 'arm32v7', ia32: '386' };
const OS: Record<string, string> = { win32: 'windows' };

/**
 * Node's platform and arch in the registry's spelling (`linux/x64` → `linux/amd64`), as the domain's
 * normalizePlatform does on the server; the CLI may not import the domain package.
 */
export function registryPlatform(os: string = process.platform, arch: string = process.arch): string {
  return `${OS[os] ?? os}/${ARCH[arch] ?? arch}`;
}

const safe = (value: string): string => value.replace(/[^A-Za-z0-9._-]/g, '-');

/** The directory name of a package version for a platform: `acme-lidar-1.2.0-linux-amd64`. */
export const packageDirName = (pkg: string, version: string, platform: string): string =>
  `${safe(pkg)}-${safe(version)}-${safe(platform.replaceAll('/', '-'))}`;

/** Failures whose message already says what went wrong and what to check. */
class SyncFailure extends Error {}

const errorCode = (err: unknown): unknown => (err instanceof Error && 'code' in err ? err.code : undefined);

/** The innermost message: fetch reports "fetch failed" and keeps the reason in `cause`. */
function reason(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

export function createModuleSync(options: ModuleSyncOptions): ModuleSync {
  const root = join(options.dataDir, 'packages', 'data', 'module');
  const fetchFn = options.fetch ?? fetch;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const { platform } = options;
  let ready = new Map<string, string>();
  // What was last said about each package or module: a sync that finds nothing changed (a failure retried
  // at every poll, a version still cached) says nothing, as the agent logs each change of state once.
  let said = new Map<string, string>();
  let heard = new Map<string, string>();
  const say = (key: string, level: NoteLevel, message: string) => {
    heard.set(key, message);
    if (said.get(key) !== message) options.note(level, message);
  };
  let tail: Promise<unknown> = Promise.resolve();

  async function completeSha(dir: string): Promise<string | undefined> {
    try {
      const text = (await readFile(join(dir, COMPLETE_MARKER), 'utf8')).trim();
      return /^[0-9a-f]{64}$/.test(text) ? text : undefined;
    } catch {
      return undefined;
    }
  }

  async function hashFile(path: string, hash: Hash): Promise<void> {
    await pipeline(createReadStream(path), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) hash.update(chunk);
    });
  }

  /**
   * Streams the archive into `file`, resuming a partial one when the server answers the range with the same
   * ETag (the archive's sha256), and returns the whole file's sha256 and size.
   */
  async function download(
    url: URL,
    file: string,
    checksum: string,
    size: number,
    signal: AbortSignal | undefined,
  ): Promise<{ sha256: string; bytes: number }> {
    const partial = await stat(file).catch(() => undefined);
    let offset = partial?.isFile() === true ? partial.size : 0;
    if (partial !== undefined && size > 0 && offset >= size) {
      // A download that finished before the agent stopped: use it if it is the right one.
      const hash = createHash('sha256');
      await hashFile(file, hash);
      const sha256 = hash.digest('hex');
      if (sha256 === checksum && offset === size) return { sha256, bytes: offset };
      offset = 0;
    }
    if (offset === 0 && partial !== undefined) await rm(file, { recursive: true, force: true });

    const idle = new AbortController();
    const timer = setTimeout(() => {
      idle.abort(new Error(`nothing received for ${Math.round(idleTimeoutMs / 1000)} s`));
    }, idleTimeoutMs);
    const abort = signal === undefined ? idle.signal : AbortSignal.any([signal, idle.signal]);
    let received = offset;
    try {
      const get = (from: number) =>
        fetchFn(url, {
          headers: {
            authorization: `Bearer ${options.token()}`,
            // If-Range: a changed archive comes back whole (200) rather than as the tail of something else.
            ...(from > 0 && { range: `bytes=${from}-`, 'if-range': `"${checksum}"` }),
          },
          signal: abort,
        });
      let res = await get(offset);
      if (offset > 0 && !resumes(res, offset, checksum)) {
        if (res.status !== 200) {
          await res.body?.cancel();
          res = await get(0);
        }
        offset = 0;
        received = 0;
      }
      if (res.status !== 200 && res.status !== 206) {
        await res.body?.cancel();
        throw new SyncFailure(httpProblem(res.status, url));
      }
      if (res.body === null) throw new SyncFailure(`the download from ${url.host} sent no body; check the server's registry storage`);
      const hash = createHash('sha256');
      if (offset > 0) {
        await hashFile(file, hash);
        // Hashing a large partial file is not the server being silent.
        timer.refresh();
      }
      // undici's stream types its chunks `any`; fetch bodies are bytes.
      const body: AsyncIterable<Uint8Array> = res.body;
      const handle = await open(file, offset > 0 ? 'a' : 'w', 0o600);
      try {
        for await (const chunk of body) {
          timer.refresh();
          hash.update(chunk);
          await handle.write(chunk);
          received += chunk.byteLength;
        }
      } finally {
        await handle.close();
      }
      return { sha256: hash.digest('hex'), bytes: received };
    } catch (err) {
      if (err instanceof SyncFailure || signal?.aborted === true) throw err;
      const why = idle.signal.aborted ? reason(idle.signal.reason) : reason(err);
      const of = size > 0 ? ` of ${size}` : '';
      throw new SyncFailure(
        received > 0
          ? `download interrupted after ${received}${of} bytes (${why}); the next sync resumes it — check the machine's connection to ${url.host}`
          : `cannot download from ${url.host} (${why}); check that the machine reaches the server's address`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  function resumes(res: Response, offset: number, checksum: string): boolean {
    if (res.status !== 206) return false;
    const etag = res.headers.get('etag')?.replace(/^W\//, '');
    const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
    return etag === `"${checksum}"` && start !== undefined && Number(start) === offset;
  }

  function httpProblem(status: number, url: URL): string {
    if (status === 401 || status === 403) {
      return `the server refused the download (HTTP ${status}); check the part's credentials in the agent's cloud file`;
    }
    if (status === 404) return `the server has no archive for this version (HTTP 404); upload the version again`;
    return `the download from ${url.host} answered HTTP ${status}; check the server's log`;
  }

  function askProblem(err: unknown, pkg: appRobotApi.PackageConfig): string {
    const error = HangarError.from(err);
    if (error.code === Code.NotFound) {
      return `the server has no package ${pkg.package} ${pkg.version} for ${platform} (${error.message}); check that this version was uploaded for ${platform}`;
    }
    return `cannot ask the server for package ${pkg.package} ${pkg.version} (${error.codeName}: ${error.message}); the next sync tries again`;
  }

  async function fetchPackage(pkg: appRobotApi.PackageConfig, dir: string, signal: AbortSignal | undefined) {
    let info: Package;
    try {
      info = await options.getPackage({ id: pkg.package, version: pkg.version, type: PackageType.MODULE, platform });
    } catch (err) {
      throw new SyncFailure(askProblem(err, pkg));
    }
    let url: URL;
    try {
      url = new URL(info.url);
    } catch {
      throw new SyncFailure(
        `the server sent no valid download URL for ${pkg.package} ${pkg.version}; check the server's registry settings`,
      );
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new SyncFailure(`the server sent a ${url.protocol} download URL; check the server's public address setting`);
    }
    const checksum = info.checksum.toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(checksum)) throw new SyncFailure(`the server sent no sha256 checksum for ${pkg.package} ${pkg.version}`);
    const size = Number(info.info?.files[0]?.size ?? 0n);

    const file = `${dir}${DOWNLOAD_SUFFIX}`;
    const got = await download(url, file, checksum, size, signal);
    if (got.sha256 !== checksum) {
      await rm(file, { force: true });
      throw new SyncFailure(
        `the download's sha256 ${got.sha256.slice(0, 12)}… (${got.bytes} bytes) does not match the server's ${checksum.slice(0, 12)}…` +
          `${size > 0 ? ` (${size} bytes)` : ''}; it was discarded and the next sync downloads it again — if this persists, upload the version again`,
      );
    }

    const tmp = `${dir}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      try {
        await extractModuleArchive(file, tmp);
      } catch (err) {
        await rm(file, { force: true });
        const message = (err instanceof Error ? err.message : String(err)).replaceAll(file, 'the archive');
        throw new SyncFailure(`cannot unpack ${pkg.package} ${pkg.version}: ${message}; upload the version again as a .tar.gz`);
      }
      await writeFile(join(tmp, COMPLETE_MARKER), `${checksum}\n`);
      // rename cannot replace a non-empty directory; one without its marker is an unfinished leftover.
      await rm(dir, { recursive: true, force: true });
      await rename(tmp, dir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    await rm(file, { force: true });
    return got;
  }

  /** The module's label in notes: its registry id (`acme:lidar`), else the package's. */
  const labelOf = (pkg: appRobotApi.PackageConfig, users: readonly appRobotApi.ModuleConfig[]) =>
    users.find((m) => m.moduleId !== '')?.moduleId ?? pkg.package;

  const placeholders = (path: string): string[] => [...path.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');

  async function syncPackage(
    pkg: appRobotApi.PackageConfig,
    users: readonly appRobotApi.ModuleConfig[],
    signal: AbortSignal | undefined,
  ): Promise<ModuleSyncResult> {
    const dir = join(root, packageDirName(pkg.package, pkg.version, platform));
    const base = { name: pkg.name, package: pkg.package, version: pkg.version, platform, modules: [] };
    const label = labelOf(pkg, users);
    const key = `package ${pkg.name}`;
    const cached = await completeSha(dir);
    if (cached !== undefined) {
      say(key, 'info', `module ${label} ${pkg.version} cached`);
      return { ...base, outcome: 'cached', dir, sha256: cached };
    }
    try {
      const got = await fetchPackage(pkg, dir, signal);
      say(key, 'info', `module ${label} ${pkg.version} (${platform}) downloaded, ${got.bytes} bytes, sha256 ${got.sha256.slice(0, 12)}…`);
      return { ...base, outcome: 'downloaded', dir, sha256: got.sha256, bytes: got.bytes };
    } catch (err) {
      if (signal?.aborted === true) return { ...base, outcome: 'failed', error: 'the agent is stopping' };
      // The errno code rather than the message of a file system error: those carry paths.
      const why = typeof errorCode(err) === 'string' ? String(errorCode(err)) : reason(err);
      const error = err instanceof SyncFailure ? err.message : `unexpected error (${why}); check the agent's data directory and free space`;
      say(key, 'error', `module ${label}: ${error}`);
      return { ...base, outcome: 'failed', error };
    }
  }

  /** Says when a module's entrypoint is missing or not executable once its package is unpacked. */
  async function checkEntrypoint(module: appRobotApi.ModuleConfig, path: string, dir: string): Promise<void> {
    const key = `module ${module.name}`;
    const inside = path.startsWith(`${dir}/`) ? path.slice(dir.length + 1) : path;
    const label = module.moduleId || module.name;
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() !== true) {
      say(
        key,
        'warn',
        `module ${label}: entrypoint ${inside} is not in the package; check "entrypoint" in the module's meta.json and upload it again`,
      );
      return;
    }
    try {
      await access(path, constants.X_OK);
      heard.set(key, '');
    } catch {
      say(
        key,
        'warn',
        `module ${label}: entrypoint ${inside} is not executable; run chmod +x on it, then pack and upload the module again`,
      );
    }
  }

  /** Removes versions the config no longer names, and the leftovers of a sync that was cut short. */
  async function prune(wanted: ReadonlySet<string>): Promise<void> {
    let names: string[];
    try {
      names = await readdir(root);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return;
      throw err;
    }
    for (const name of names) {
      const path = join(root, name);
      if (TMP_PATTERN.test(name)) {
        await rm(path, { recursive: true, force: true });
      } else if (name.endsWith(DOWNLOAD_SUFFIX)) {
        // A current package's partial download is kept: the next sync resumes it.
        if (!wanted.has(name.slice(0, -DOWNLOAD_SUFFIX.length))) await rm(path, { recursive: true, force: true });
      } else if (!wanted.has(name) && (await stat(path).catch(() => undefined))?.isDirectory() === true) {
        await rm(path, { recursive: true, force: true });
        options.note('info', `removed old module version ${name}`);
      }
    }
  }

  async function run(config: appRobotApi.RobotConfig, signal: AbortSignal | undefined): Promise<ModuleSyncResult[]> {
    heard = new Map();
    await mkdir(root, { recursive: true });
    const packages = config.packages.filter((p) => p.type === 'module' && p.package !== '' && p.version !== '');
    const usersOf = (pkgName: string) => config.modules.filter((m) => placeholders(m.path).includes(pkgName));
    const results: ModuleSyncResult[] = [];

    for (const module of config.modules) {
      const error = module.status?.error ?? '';
      if (error === '') continue;
      const label = module.moduleId || module.name;
      say(`module ${module.name}`, 'warn', `module ${label}: not downloaded: ${error}`);
      results.push({ name: module.name, package: '', version: '', platform, outcome: 'unresolved', error, modules: [] });
    }

    // One after another: each is independent (a failure is a result, not a throw), and downloads in turn
    // share the machine's link better than all at once.
    const done = new Map<string, string>();
    for (const pkg of packages) {
      if (signal?.aborted === true) break;
      const result = await syncPackage(pkg, usersOf(pkg.name), signal);
      if (result.dir !== undefined) done.set(pkg.name, result.dir);
      results.push(result);
    }

    for (const module of config.modules) {
      const names = placeholders(module.path);
      if (names.length === 0 || (module.status?.error ?? '') !== '') continue;
      const missing = names.find((n) => !packages.some((p) => p.name === n));
      if (missing !== undefined) {
        say(
          `module ${module.name}`,
          'warn',
          `module ${module.moduleId || module.name}: its path names package "${missing}", which the config does not list; check the server's registry`,
        );
        continue;
      }
      if (!names.every((n) => done.has(n))) continue;
      const path = module.path.replace(PLACEHOLDER, (_, name: string) => done.get(name) ?? '');
      const owner = results.find((r) => r.name === names[0] && r.outcome !== 'unresolved');
      owner?.modules.push({ name: module.name, path });
      await checkEntrypoint(module, path, done.get(names[0] ?? '') ?? '');
    }

    ready = done;
    said = heard;
    if (signal?.aborted !== true) {
      await prune(new Set(packages.map((p) => packageDirName(p.package, p.version, platform))));
    }
    return results;
  }

  return {
    sync(config, signal) {
      const next = tail.then(() => run(config, signal));
      tail = next.catch(() => undefined);
      return next;
    },
    packageDir: (pkgName) => ready.get(pkgName),
  };
}
