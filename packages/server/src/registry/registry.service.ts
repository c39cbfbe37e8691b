/**
 * The registry: items (modules, ML models, training scripts, archives, board definitions) owned by an
 * organization, and the files uploaded for them (a module version per platform, a package version). A
 * file's bytes live in the blob store; its row is written only once the bytes are complete, so what is
 * listed can always be downloaded and an interrupted upload leaves nothing visible.
 */
import { collectUnreferenced } from '../blobs/collect-unreferenced.js';
import {
  alreadyExists,
  can,
  DomainError,
  failedPrecondition,
  formatRegistryItemId,
  identityOf,
  invalid,
  memberOrganizationIds,
  notFound,
  organizationScope,
  parseModulePlatform,
  parseModuleVersion,
  parseRegistryItemId,
  parseRegistryName,
  resolveModuleVersion,
  resourceExhausted,
  truncate,
  type Actor,
  type JsonObject,
  type JsonValue,
} from '@hangar/domain';
import { organizations, registry, type Database } from '@hangar/store';
import { BlobTooLargeError, type BlobInfo, type BlobStore } from '../blobs/blob-store.js';
import type { Logger } from '../log.js';
import { Crc32c } from './crc32c.js';

export interface RegistryDeps {
  readonly db: Database;
  readonly blobs: BlobStore;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly log: Logger;
  /** The largest file accepted, in bytes. */
  readonly maxUploadBytes: number;
}

/** viam.app.packages.v1.PackageType numbers, as stored. */
export const ITEM_TYPE = { archive: 1, mlModel: 2, module: 3, slamMap: 4, mlTraining: 5, boardDefs: 6 } as const;
/** viam.app.v1.Visibility numbers, as stored. */
export const VISIBILITY = { private: 1, public: 2, publicUnlisted: 3 } as const;
const KNOWN_TYPES: readonly number[] = Object.values(ITEM_TYPE);
const KNOWN_VISIBILITIES: readonly number[] = Object.values(VISIBILITY);
const MAX_DESCRIPTION = 4096;
const MAX_URL = 2048;
const MAX_MODELS = 500;
const MAX_LIST = 10_000;

export type Item = registry.RegistryItemRow;
export type ItemFile = registry.RegistryFileRow;
export type Model = registry.RegistryModel;

export interface ItemWithFiles {
  readonly item: Item;
  readonly files: readonly ItemFile[];
}

/** `<namespace>:<name>` when the organization has a public namespace, else `<organization id>:<name>`. */
export const itemIdOf = (item: Pick<Item, 'publicNamespace' | 'organizationId' | 'name'>): string =>
  formatRegistryItemId(item.publicNamespace ?? item.organizationId, item.name);

/** `<namespace or organization id>/<name>`: how viam-server and the board command name a package. */
export const packageIdOf = (item: Pick<Item, 'publicNamespace' | 'organizationId' | 'name'>): string =>
  `${item.publicNamespace ?? item.organizationId}/${item.name}`;

export interface ItemUpdate {
  readonly type?: number;
  readonly description?: string;
  readonly visibility?: number;
  readonly url?: string;
  readonly models?: readonly Model[];
  readonly entrypoint?: string;
  readonly firstRun?: string | null;
  readonly markdownDescription?: string | null;
}

export interface ListFilter {
  readonly organizationId?: string | undefined;
  readonly types: readonly number[];
  readonly visibilities: readonly number[];
  readonly platforms: readonly string[];
  /** 1 published (has a file), 2 in development (has none). */
  readonly statuses: readonly number[];
  readonly publicNamespaces: readonly string[];
  readonly searchTerm?: string | undefined;
}

export interface UploadTarget {
  readonly itemId: string;
  readonly version: string;
  /** '' for packages without a platform (board definitions, archives). */
  readonly platform: string;
}

/** A complete file on local disk, with what was computed of it as it arrived. */
export interface PreparedFile extends BlobInfo {
  readonly path: string;
  /** Base64 of the big-endian CRC-32C, as `x-goog-hash` carries it. */
  readonly crc32c: string;
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const API_TRIPLE = /^[a-zA-Z0-9_-]+:[a-zA-Z0-9_-]+:[a-zA-Z0-9_-]+$/;

function parseModels(models: readonly Model[]): Model[] {
  if (models.length > MAX_MODELS) throw invalid(`models may list at most ${MAX_MODELS} models, got ${models.length}`);
  return models.map((m, i) => {
    if (!API_TRIPLE.test(m.api)) {
      throw invalid(
        `models[${i}].api ${JSON.stringify(truncate(m.api))} must be namespace:type:subtype, for example rdk:component:generic`,
      );
    }
    if (!API_TRIPLE.test(m.model)) {
      throw invalid(
        `models[${i}].model ${JSON.stringify(truncate(m.model))} must be namespace:family:name, for example acme:demo:my-model`,
      );
    }
    return { api: m.api, model: m.model };
  });
}

/** A list filter's platform: `linux/arm64`, or `linux/any` for every linux build; `any` builds match all. */
function platformMatches(wanted: string, platform: string): boolean {
  if (platform === 'any' || wanted === platform) return true;
  const [os, arch] = wanted.split('/');
  return arch === 'any' && platform.startsWith(`${os}/`);
}

function checkText(field: string, value: string, max: number): string {
  if (value.length > max) throw invalid(`${field} must be at most ${max} characters, got ${value.length}`);
  return value;
}

/** The bytes of a stream, counted and hashed (sha256 for the blob, CRC-32C for viam-server) as they pass. */
async function* hashing(source: AsyncIterable<Uint8Array>, crc: Crc32c): AsyncIterable<Uint8Array> {
  for await (const chunk of source) {
    crc.update(chunk);
    yield chunk;
  }
}

export function createRegistryService({ db, blobs, now, newId, log, maxUploadBytes }: RegistryDeps) {
  /** The item an id names; the method table has already checked the caller may see it. */
  async function find(itemId: string, field = 'item_id'): Promise<Item> {
    const ref = parseRegistryItemId(field, itemId);
    const item = await registry.findItemByRef(db, ref.prefix, ref.name);
    if (item === undefined) throw notFound('registry item', itemId);
    return item;
  }

  async function findModule(moduleId: string, field = 'module_id'): Promise<Item> {
    const item = await find(moduleId, field);
    if (item.type !== ITEM_TYPE.module) throw invalid(`${moduleId} is a registry item of another type, not a module`);
    return item;
  }

  /**
   * Public (and unlisted) items need the organization's public namespace, and a public module's models
   * must be in it: others would otherwise publish models under a namespace they do not own.
   */
  function checkPublishable(item: Item, visibility: number, models: readonly Model[]): void {
    if (visibility === VISIBILITY.private) return;
    const namespace = item.publicNamespace;
    if (namespace === null) {
      throw failedPrecondition(
        `${itemIdOf(item)} cannot be made public: organization ${item.organizationId} has no public namespace; set one (UpdateOrganization public_namespace, or the web app) first, then use <namespace>:${item.name} as the id`,
      );
    }
    for (const m of models) {
      if (m.model.split(':')[0] !== namespace) {
        throw invalid(
          `model ${JSON.stringify(m.model)} must use the namespace of the module's organization to be public: write it as ${namespace}:${m.model.split(':').slice(1).join(':')}`,
        );
      }
    }
  }

  async function create(organizationId: string, name: string, type: number): Promise<Item> {
    parseRegistryName('name', name);
    if (!KNOWN_TYPES.includes(type))
      throw invalid(
        `type ${type} is not a registry item type; use one of PACKAGE_TYPE_MODULE, PACKAGE_TYPE_ML_MODEL, PACKAGE_TYPE_ML_TRAINING, PACKAGE_TYPE_ARCHIVE`,
      );
    const org = await organizations.findOrganization(db, organizationId);
    if (org === undefined) throw notFound('organization', organizationId);
    const at = now().toISOString();
    const row = {
      id: newId(),
      organizationId,
      name,
      type,
      visibility: VISIBILITY.private,
      description: '',
      url: '',
      entrypoint: '',
      firstRun: null,
      markdownDescription: null,
      models: [],
      createdAt: at,
      updatedAt: at,
    };
    try {
      await db.transaction().execute(async (tx) => {
        if (await registry.itemNameTaken(tx, organizationId, name))
          throw alreadyExists(`organization ${organizationId} already has a registry item named ${JSON.stringify(name)}`);
        await registry.insertItem(tx, row);
      });
    } catch (err) {
      // Two creates racing past the check: the unique constraint decides.
      if (err instanceof Error && !('kind' in err) && (await registry.itemNameTaken(db, organizationId, name))) {
        throw alreadyExists(`organization ${organizationId} already has a registry item named ${JSON.stringify(name)}`);
      }
      throw err;
    }
    return { ...row, publicNamespace: org.publicNamespace ?? null };
  }

  async function update(itemId: string, changes: ItemUpdate, field = 'item_id'): Promise<Item> {
    const item = await find(itemId, field);
    if (changes.type !== undefined && changes.type !== item.type) {
      throw invalid(`type cannot be changed: ${itemId} is of type ${item.type}; create a new item for another type`);
    }
    if (changes.visibility !== undefined && !KNOWN_VISIBILITIES.includes(changes.visibility)) {
      throw invalid(`visibility ${changes.visibility} is not one of VISIBILITY_PRIVATE, VISIBILITY_PUBLIC, VISIBILITY_PUBLIC_UNLISTED`);
    }
    const models = changes.models === undefined ? item.models : parseModels(changes.models);
    const visibility = changes.visibility ?? item.visibility;
    checkPublishable(item, visibility, item.type === ITEM_TYPE.module ? models : []);
    const next = {
      ...(changes.visibility !== undefined && { visibility: changes.visibility }),
      ...(changes.description !== undefined && { description: checkText('description', changes.description, MAX_DESCRIPTION) }),
      ...(changes.url !== undefined && { url: checkText('url', changes.url, MAX_URL) }),
      ...(changes.models !== undefined && { models }),
      ...(changes.entrypoint !== undefined && { entrypoint: checkText('entrypoint', changes.entrypoint, 1024) }),
      ...(changes.firstRun !== undefined && { firstRun: changes.firstRun }),
      ...(changes.markdownDescription !== undefined && { markdownDescription: changes.markdownDescription }),
      updatedAt: now().toISOString(),
    };
    await registry.updateItem(db, item.id, next);
    return { ...item, ...next };
  }

  async function list(actor: Actor, filter: ListFilter): Promise<ItemWithFiles[]> {
    filter.types.forEach((t, i) => {
      if (!KNOWN_TYPES.includes(t)) throw invalid(`types[${i}] ${t} is not a registry item type`);
    });
    filter.visibilities.forEach((v, i) => {
      if (!KNOWN_VISIBILITIES.includes(v)) throw invalid(`visibilities[${i}] ${v} is not a visibility`);
    });
    const platforms = filter.platforms.filter((p) => p !== '');
    filter.statuses.forEach((s, i) => {
      if (s !== 1 && s !== 2)
        throw invalid(`statuses[${i}] ${s} is not REGISTRY_ITEM_STATUS_PUBLISHED or REGISTRY_ITEM_STATUS_IN_DEVELOPMENT`);
    });
    const items = await registry.listItems(db, {
      organizationId: filter.organizationId,
      memberOf: memberOrganizationIds(actor),
      types: filter.types,
      visibilities: filter.visibilities,
      publicNamespaces: filter.publicNamespaces,
      searchTerm: filter.searchTerm,
      limit: MAX_LIST,
    });
    // Another organization's items are listed only when public, even to a caller who names it.
    const visible = items.filter((i) => i.visibility === VISIBILITY.public || can(actor, 'org.read', organizationScope(i.organizationId)));
    const files = await registry.listFiles(
      db,
      visible.map((i) => i.id),
    );
    const byItem = new Map<string, ItemFile[]>();
    for (const f of files) byItem.set(f.itemId, [...(byItem.get(f.itemId) ?? []), f]);
    return visible
      .map((item) => ({ item, files: byItem.get(item.id) ?? [] }))
      .filter(({ files }) => filter.statuses.length === 0 || filter.statuses.includes(files.length > 0 ? 1 : 2))
      .filter(({ files }) => platforms.length === 0 || files.some((f) => platforms.some((p) => platformMatches(p, f.platform))));
  }

  async function withFiles(item: Item): Promise<ItemWithFiles> {
    return { item, files: await registry.listFiles(db, [item.id]) };
  }

  /** Deletes blobs no file points at any more; a failure only leaves garbage, never a dangling row. */
  const collect = (sha256s: readonly string[]) => collectUnreferenced(db, blobs, log, sha256s);

  async function remove(itemId: string): Promise<void> {
    const item = await find(itemId);
    await collect(await registry.deleteItem(db, item.id));
  }

  /** What an upload would write, checked before a byte is read: refused uploads answer at once. */
  async function checkUpload(target: UploadTarget): Promise<Item> {
    const item = await find(target.itemId, 'module_id');
    if (item.type === ITEM_TYPE.module) {
      parseModuleVersion('version', target.version);
      parseModulePlatform('platform', target.platform);
      if (item.entrypoint === '') {
        throw failedPrecondition(
          `${itemIdOf(item)} has no entrypoint: set one with "hangar module update" (meta.json "entrypoint") before uploading a version`,
        );
      }
    } else {
      parseModuleVersion('version', target.version);
    }
    if ((await registry.findFile(db, item.id, target.version, target.platform)) !== undefined) {
      throw versionExists(item, target);
    }
    return item;
  }

  const versionExists = (item: Item, t: UploadTarget) =>
    alreadyExists(
      t.platform === ''
        ? `${itemIdOf(item)} already has version ${t.version}; upload it as a new version`
        : `${itemIdOf(item)} already has version ${t.version} for ${t.platform}; upload it as a new version`,
    );

  /**
   * Streams a file into the blob store and records it. Over the size limit, on a broken stream or an
   * abort, nothing is recorded and the blob store keeps nothing.
   */
  async function upload(actor: Actor, target: UploadTarget, source: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<ItemFile> {
    const item = await checkUpload(target);
    const crc = new Crc32c();
    const blob = await storing(() =>
      blobs.put(hashing(source, crc), { maxBytes: maxUploadBytes, ...(signal !== undefined && { signal }) }),
    );
    // A client that gives up can end its stream just before it resets it; a stream reset by then was not
    // a whole file, even if it ended first.
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted === true) {
      await collect([blob.sha256]);
      throw invalid('the upload was cancelled before it completed; nothing was stored');
    }
    return record(actor, item, target, blob, crc.digestBase64());
  }

  /**
   * Records a complete local file (a resumable upload's part file) whose sha256, size and CRC-32C were
   * computed as its bytes arrived; the blob store takes the file itself, without reading it again.
   */
  async function uploadPreparedFile(actor: Actor, target: UploadTarget, file: PreparedFile): Promise<ItemFile> {
    const item = await checkUpload(target);
    const blob = await storing(() => blobs.putFile(file.path, file, { maxBytes: maxUploadBytes }));
    return record(actor, item, target, blob, file.crc32c);
  }

  async function storing(put: () => Promise<BlobInfo>): Promise<BlobInfo> {
    try {
      return await put();
    } catch (err) {
      if (err instanceof BlobTooLargeError) {
        throw resourceExhausted(
          `the file is larger than this server's limit of ${Math.floor(maxUploadBytes / 1024 / 1024)} MiB (--max-upload-mb)`,
        );
      }
      throw err;
    }
  }

  /** Makes a stored blob a version of the item, or lets it go (empty, or the version was taken meanwhile). */
  async function record(actor: Actor, item: Item, target: UploadTarget, blob: BlobInfo, crc32c: string): Promise<ItemFile> {
    if (blob.size === 0) {
      await collect([blob.sha256]);
      throw invalid('the upload carried no file content: send the file after the first message');
    }
    const uploader = identityOf(actor);
    const file: ItemFile = {
      id: newId(),
      itemId: item.id,
      version: target.version,
      platform: target.platform,
      sha256: blob.sha256,
      crc32c,
      sizeBytes: blob.size,
      entrypoint: item.entrypoint,
      models: item.models,
      fileName:
        item.type === ITEM_TYPE.module
          ? `${item.name}-${target.version}-${target.platform.replace('/', '-')}.tar.gz`
          : `${item.name}-${target.version}.tar.gz`,
      uploaderType: uploader.type,
      uploaderId: uploader.id,
      createdAt: now().toISOString(),
    };
    if (!(await registry.insertFile(db, file))) {
      await collect([blob.sha256]);
      throw versionExists(item, target);
    }
    return file;
  }

  /**
   * The file a package request names: an exact version (or a constraint, resolved for the platform), for
   * the platform or `any`. NOT_FOUND says "package not found", the words the seed-era CLI looks for.
   */
  async function packageFile(packageId: string, version: string, platform: string | undefined): Promise<{ item: Item; file: ItemFile }> {
    const item = await find(packageId, 'id');
    const files = await registry.listFiles(db, [item.id]);
    const wanted = item.type === ITEM_TYPE.module && platform !== undefined && platform !== '' ? platform : undefined;
    const candidates = wanted === undefined ? files : files.filter((f) => f.platform === wanted || f.platform === 'any');
    const exact = candidates.filter((f) => f.version === version);
    const resolved = exact.length > 0 ? version : resolveModuleVersion(version, candidates, wanted ?? candidates[0]?.platform ?? '');
    const file = candidates.find((f) => f.version === resolved && f.platform === wanted) ?? candidates.find((f) => f.version === resolved);
    if (file === undefined) {
      throw packageNotFound(packageId, version, wanted);
    }
    return { item, file };
  }

  const packageNotFound = (id: string, version: string, platform: string | undefined) =>
    new DomainError(
      'not_found',
      `package not found: ${id} has no version ${JSON.stringify(version)}${platform === undefined ? '' : ` for ${platform}`}`,
    );

  async function deleteFile(packageId: string, version: string): Promise<void> {
    const item = await find(packageId, 'id');
    const files = (await registry.listFiles(db, [item.id])).filter((f) => f.version === version);
    if (files.length === 0) throw packageNotFound(packageId, version, undefined);
    for (const f of files) await registry.deleteFile(db, f.id);
    await collect(files.map((f) => f.sha256));
  }

  async function fileById(id: string): Promise<{ item: Item; file: ItemFile } | undefined> {
    const file = await registry.findFileById(db, id);
    const item = file && (await registry.findItem(db, file.itemId));
    return file && item ? { item, file } : undefined;
  }

  /**
   * A config's registry modules made concrete for one machine: each `{type: "registry", module_id,
   * version}` gets the version its constraint resolves to for the machine's platform, as a package entry
   * viam-server downloads (`<prefix>/<name>`, type module) and an executable path inside that package.
   * A module that cannot be resolved keeps its entry with a status error saying why, and no package.
   */
  async function resolveConfigModules(
    config: JsonObject,
    platform: string | undefined,
    organizationIdsOf: () => Promise<readonly string[]>,
  ): Promise<JsonObject> {
    const modules = config.modules;
    if (!Array.isArray(modules) || !modules.some((m) => isObject(m) && m.type === 'registry')) return config;
    const packages: JsonValue[] = Array.isArray(config.packages) ? [...config.packages] : [];
    const organizationIds = await organizationIdsOf();
    const resolved: JsonValue[] = [];
    for (const entry of modules) {
      if (!isObject(entry) || entry.type !== 'registry') {
        resolved.push(entry);
        continue;
      }
      const moduleId = typeof entry.module_id === 'string' ? entry.module_id : '';
      const constraint = typeof entry.version === 'string' ? entry.version : 'latest';
      const name = typeof entry.name === 'string' && entry.name !== '' ? entry.name : moduleId.replace(/[:/]/g, '_');
      const fail = (error: string) => resolved.push({ ...entry, status: { error } });
      let item: Item | undefined;
      try {
        const ref = parseRegistryItemId('module_id', moduleId);
        item = await registry.findItemByRef(db, ref.prefix, ref.name);
      } catch {
        item = undefined;
      }
      if (item === undefined || (item.visibility === VISIBILITY.private && !organizationIds.includes(item.organizationId))) {
        fail(`module ${JSON.stringify(moduleId)} is not in the registry, or not visible to this machine's organization`);
        continue;
      }
      if (platform === undefined) {
        fail(`the machine has not reported its platform yet, so no build of ${moduleId} can be chosen`);
        continue;
      }
      const files = await registry.listFiles(db, [item.id]);
      const version = resolveModuleVersion(constraint, files, platform);
      const file =
        version === undefined
          ? undefined
          : (files.find((f) => f.version === version && f.platform === platform) ??
            files.find((f) => f.version === version && f.platform === 'any'));
      if (file === undefined || version === undefined) {
        fail(
          `no version of ${moduleId} matches ${JSON.stringify(constraint)} for ${platform}: upload one with "hangar module upload --version <version> --platform ${platform}"`,
        );
        continue;
      }
      const entrypoint = file.entrypoint.replace(/^\.\//, '');
      resolved.push({ ...entry, version, path: `\${packages.module.${name}}/${entrypoint}` });
      const pkg = { name, package: packageIdOf(item), version, type: 'module' };
      const existing = packages.findIndex((p) => isObject(p) && p.name === name);
      if (existing >= 0) packages[existing] = pkg;
      else packages.push(pkg);
    }
    return { ...config, modules: resolved, packages };
  }

  return {
    resolveConfigModules,
    find,
    findModule,
    create,
    update,
    list,
    withFiles,
    remove,
    checkUpload,
    upload,
    uploadPreparedFile,
    packageFile,
    deleteFile,
    fileById,
    collect,
  };
}

export type RegistryService = ReturnType<typeof createRegistryService>;
