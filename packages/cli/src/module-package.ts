/**
 * The local side of `hangar module upload` and `download`: meta.json, packing a module directory, the seed
 * CLI's upload validation (the module exists, is a directory or a .tar.gz/.tgz, and holds an executable
 * entrypoint) and safe extraction. Archives are only ever streamed: modules can be hundreds of megabytes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { create, extract, list, type ReadEntry } from 'tar';
import { CliError } from './errors.js';

export interface ModuleMeta {
  module_id: string;
  visibility: 'private' | 'public' | 'public_unlisted';
  url: string;
  description: string;
  models: { api: string; model: string }[];
  entrypoint: string;
  first_run?: string;
  build?: unknown;
}

/** A problem the user fixes locally; the message names what to fix. A CliError, so it prints without a stack. */
export class ModuleValidationError extends CliError {
  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, {
      code: 'INVALID_ARGUMENT',
      hint: 'fix what the message names, then run the command again; nothing was uploaded',
      ...options,
    });
  }
}

const VISIBILITIES = ['private', 'public', 'public_unlisted'] as const;

// tar reads files 16 MiB at a time by default (and so holds 16 MiB per read in memory); 1 MiB is as fast.
const READ_SIZE = 1 << 20;

const errorCode = (err: unknown): unknown => (err instanceof Error && 'code' in err ? err.code : undefined);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export async function readModuleMeta(path: string): Promise<ModuleMeta> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') {
      throw new ModuleValidationError(
        `no meta.json at ${path}: run "hangar module create --name <name>" first, or pass --module <path to meta.json>`,
      );
    }
    throw new ModuleValidationError(`cannot read ${path} (${String(errorCode(err) ?? err)}): pass --module <path to meta.json>`, {
      cause: err,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ModuleValidationError(`${path} is not valid JSON (${(err as Error).message}): fix the syntax and try again`);
  }
  if (!isRecord(raw)) throw new ModuleValidationError(`${path} must hold a JSON object with module_id, visibility, models and entrypoint`);

  // Every problem at once, so fixing meta.json takes one round.
  const problems: string[] = [];
  const { module_id, visibility, url = '', description, models, entrypoint, first_run, build } = raw;
  if (typeof module_id !== 'string' || module_id === '') problems.push('"module_id" must be a non-empty string such as "acme:my-module"');
  if (typeof visibility !== 'string' || !(VISIBILITIES as readonly string[]).includes(visibility)) {
    problems.push(
      `"visibility" must be one of ${VISIBILITIES.map((v) => `"${v}"`).join(', ')}, got ${visibility === undefined ? 'nothing' : JSON.stringify(visibility)}`,
    );
  }
  if (typeof url !== 'string') problems.push('"url" must be a string (the source repository), or left out');
  if (typeof description !== 'string') problems.push('"description" must be a string');
  const isModel = (m: unknown) => isRecord(m) && typeof m.api === 'string' && typeof m.model === 'string';
  if (!Array.isArray(models) || !models.every(isModel)) {
    problems.push('"models" must be a list of {"api": "...", "model": "..."} objects with string values');
  }
  if (typeof entrypoint !== 'string' || entrypoint === '') {
    problems.push('"entrypoint" must be the path of the executable inside the module, such as "bin/run.sh"');
  }
  if (first_run !== undefined && typeof first_run !== 'string') problems.push('"first_run" must be a string, or left out');
  if (problems.length > 0) throw new ModuleValidationError(`${path} is not a valid meta.json: ${problems.join('; ')}`);

  return {
    module_id: module_id as string,
    visibility: visibility as ModuleMeta['visibility'],
    url: url as string,
    description: description as string,
    models: (models as { api: string; model: string }[]).map(({ api, model }) => ({ api, model })),
    entrypoint: entrypoint as string,
    ...(first_run !== undefined && { first_run: first_run as string }),
    ...(build !== undefined && { build }),
  };
}

export async function writeModuleMeta(path: string, meta: ModuleMeta, options: { overwrite?: boolean } = {}): Promise<void> {
  try {
    // 'wx' makes the existence check and the write one step, so a file created meanwhile is not clobbered.
    await writeFile(path, `${JSON.stringify(meta, null, 2)}\n`, { flag: options.overwrite === true ? 'w' : 'wx' });
  } catch (err) {
    if (errorCode(err) !== 'EEXIST') throw err;
    throw new ModuleValidationError(`${path} already exists: edit it and run "hangar module update", or delete it to start over`);
  }
}

export interface PreparedUpload {
  /** The .tar.gz to upload: the caller's own archive, or a temporary one packed from a directory. */
  archive: string;
  size: number;
  packed: boolean;
  /** Removes the temporary archive, if one was packed. */
  cleanup(): Promise<void>;
}

export async function prepareModuleUpload(options: {
  path: string;
  entrypoint: string;
  force: boolean;
  tmpDir?: string;
}): Promise<PreparedUpload> {
  const { path } = options;
  const info = await stat(path).catch((err: unknown) => {
    if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') throw new ModuleValidationError(`module path ${path} does not exist`);
    throw err;
  });

  if (info.isDirectory()) {
    const names = (await readdir(path)).sort();
    // tar cannot create an archive from nothing, and an empty module could never run anyway.
    if (names.length === 0) throw new ModuleValidationError(`module path ${path} is an empty directory: put the module's files in it`);
    const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'hangar-module-'));
    const cleanup = () => rm(dir, { recursive: true, force: true });
    try {
      const archive = join(dir, 'module.tar.gz');
      // Top-level names rather than '.', so entries read `bin/run.sh` and there is no entry for the root
      // directory whose mode extraction would apply to the destination. Not `portable`: it rewrites modes.
      await create({ gzip: true, file: archive, cwd: path, maxReadSize: READ_SIZE }, names);
      if (!options.force) await checkEntrypoint(archive, options.entrypoint, path);
      return { archive, size: (await stat(archive)).size, packed: true, cleanup };
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  if (!info.isFile() || !/\.(tar\.gz|tgz)$/i.test(path)) {
    throw new ModuleValidationError(`module path ${path} must be a directory or a .tar.gz/.tgz archive`);
  }
  if (!options.force) await checkEntrypoint(path, options.entrypoint, path);
  return { archive: path, size: info.size, packed: false, cleanup: () => Promise.resolve() };
}

interface ScannedEntry {
  type: ReadEntry['type'];
  mode: number;
  linkpath: string;
}

/** An archive path as a lookup key: `./bin//run.sh/` and `bin/run.sh` are the same entry. */
const archiveKey = (p: string): string => posix.normalize(p.replaceAll('\\', '/')).replace(/\/+$/, '');

/** Every entry's header, read streaming; contents are skipped, nothing touches the disk. */
async function scanArchive(archive: string, label: string): Promise<Map<string, ScannedEntry>> {
  const handle = await open(archive, 'r');
  const magic = Buffer.alloc(2);
  try {
    await handle.read(magic, 0, 2, 0);
  } finally {
    await handle.close();
  }
  // tar would read an uncompressed tar just as well, but the registry and viam-server expect gzip.
  if (magic[0] !== 0x1f || magic[1] !== 0x8b) {
    throw new ModuleValidationError(`${label} is not a gzip-compressed tar archive: pack it with "tar czf <name>.tar.gz <files>"`);
  }
  const entries = new Map<string, ScannedEntry>();
  try {
    // strict turns tar's warnings (bad headers, truncated data) into errors instead of a silently short list.
    await list({
      file: archive,
      maxReadSize: READ_SIZE,
      strict: true,
      onReadEntry: (e) => entries.set(archiveKey(e.path), { type: e.type, mode: e.mode ?? 0, linkpath: e.linkpath ?? '' }),
    });
  } catch (err) {
    throw new ModuleValidationError(`${label} is not a valid .tar.gz archive (${(err as Error).message}): pack it again`, { cause: err });
  }
  return entries;
}

async function checkEntrypoint(archive: string, entrypoint: string, label: string): Promise<void> {
  const entries = await scanArchive(archive, label);
  const missing = `entrypoint "${entrypoint}" (from meta.json) is not in ${label}`;
  let key = archiveKey(entrypoint);
  // Follow links within the archive, as viam-server will once it is unpacked; the bound stops loops.
  for (let hops = 0; hops < 40; hops++) {
    const entry = entries.get(key);
    if (entry === undefined) {
      if (hops > 0)
        throw new ModuleValidationError(`${missing}: it links to "${key}", which is not in the archive; pack the file it points to`);
      const files = [...entries]
        .filter(([, e]) => e.type === 'File')
        .map(([k]) => k)
        .sort();
      const holds = files.length === 0 ? 'it holds no files' : `it holds ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}`;
      throw new ModuleValidationError(`${missing}: set "entrypoint" in meta.json to the executable's path inside the archive (${holds})`);
    }
    if (entry.type === 'SymbolicLink') {
      if (posix.isAbsolute(entry.linkpath)) {
        throw new ModuleValidationError(`${missing}: it links to "${entry.linkpath}", outside the archive; pack the file itself`);
      }
      key = archiveKey(posix.join(posix.dirname(key), entry.linkpath));
    } else if (entry.type === 'Link') {
      key = archiveKey(entry.linkpath); // hard link targets are archive paths
    } else if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
      throw new ModuleValidationError(`${missing}: "${key}" is a ${entry.type}, not a file; set "entrypoint" to the executable itself`);
    } else if ((entry.mode & 0o111) === 0) {
      throw new ModuleValidationError(`entrypoint "${entrypoint}" in ${label} is not executable: run chmod +x on it before packing`);
    } else {
      return;
    }
  }
  throw new ModuleValidationError(`${missing}: its links form a loop; point "entrypoint" at the file itself`);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Why extracting this entry could write outside the destination, or undefined if it cannot. */
function unsafeEntry(entry: ReadEntry): string | undefined {
  const path = entry.path.replaceAll('\\', '/');
  if (posix.isAbsolute(path) || /^[a-z]:/i.test(path)) return `"${entry.path}" is an absolute path`;
  if (path.split('/').includes('..')) return `"${entry.path}" contains ".."`;
  const link = (entry.linkpath ?? '').replaceAll('\\', '/');
  if (entry.type === 'Link' && (posix.isAbsolute(link) || link.split('/').includes('..'))) {
    return `hard link "${entry.path}" points to "${link}", outside the archive`;
  }
  if (entry.type === 'SymbolicLink') {
    // tar would silently rewrite an absolute target to a relative one, breaking the link; refuse instead.
    if (posix.isAbsolute(link)) return `symlink "${entry.path}" points to the absolute path "${link}"`;
    const target = posix.normalize(posix.join(posix.dirname(path), link));
    if (target === '..' || target.startsWith('../')) return `symlink "${entry.path}" points to "${link}", outside the archive`;
  }
  return undefined;
}

/**
 * Unpacks a module archive into destination (created if needed). The whole archive is checked first, so a
 * hostile one is refused before anything is written. tar refuses the same entries by default; `strict`
 * makes that an error rather than a skipped file, as a second line of defence. Modes are kept (minus the
 * umask); owners are not, so a root agent doesn't hand files to the archive's uid.
 */
export async function extractModuleArchive(archive: string, destination: string): Promise<void> {
  const problems: string[] = [];
  try {
    await list({
      file: archive,
      maxReadSize: READ_SIZE,
      strict: true,
      onReadEntry: (e) => {
        const problem = unsafeEntry(e);
        if (problem !== undefined) problems.push(problem);
      },
    });
  } catch (err) {
    throw new ModuleValidationError(`${archive} is not a valid .tar.gz archive (${(err as Error).message})`, { cause: err });
  }
  if (problems.length > 0) {
    throw new ModuleValidationError(
      `refusing to extract ${archive}: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; …' : ''}`,
    );
  }
  await mkdir(destination, { recursive: true });
  await extract({ file: archive, cwd: destination, maxReadSize: READ_SIZE, strict: true, preserveOwner: false });
}
