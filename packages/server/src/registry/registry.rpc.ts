import { invalid } from '@hangar/domain';
import type { appApi } from '@hangar/wire';
import type { AppHandlers, Call } from '../rpc/routes.js';
import { moduleToProto, registryItemToProto, registryPageUrl } from './registry.convert.js';
import { ITEM_TYPE, itemIdOf, type RegistryService } from './registry.service.js';

/** UNSPECIFIED (0) leaves an item's visibility as it is. */
const visibilityChange = (v: number): number | undefined => (v === 0 ? undefined : v);

/** The file bytes of an upload stream after its first message; a second ModuleFileInfo is an error. */
async function* fileChunks(rest: AsyncIterable<appApi.UploadModuleFileRequest>): AsyncIterable<Uint8Array> {
  for await (const msg of rest) {
    if (msg.moduleFile.case === 'file') yield msg.moduleFile.value;
    else if (msg.moduleFile.case === 'moduleFileInfo') throw invalid('module_file_info may be sent only once, as the first message');
  }
}

export const registryRpc = (registry: RegistryService, baseUrl: (call: Call) => string): AppHandlers => ({
  async getRegistryItem(req, call) {
    return { item: registryItemToProto(await registry.withFiles(await registry.find(req.itemId)), baseUrl(call)) };
  },
  async createRegistryItem(req) {
    await registry.create(req.organizationId, req.name, req.type);
    return {};
  },
  async updateRegistryItem(req) {
    const module = req.metadata.case === 'updateModuleMetadata' ? req.metadata.value : undefined;
    await registry.update(req.itemId, {
      type: req.type,
      description: req.description,
      ...(visibilityChange(req.visibility) !== undefined && { visibility: req.visibility }),
      ...(req.url !== undefined && { url: req.url }),
      ...(req.markdownDescription !== undefined && { markdownDescription: req.markdownDescription }),
      ...(module !== undefined && { models: module.models, entrypoint: module.entrypoint }),
    });
    return {};
  },
  async listRegistryItems(req, call) {
    const items = await registry.list(call.actor, {
      organizationId: req.organizationId === '' ? undefined : req.organizationId,
      types: req.types,
      visibilities: req.visibilities,
      platforms: req.platforms,
      statuses: req.statuses,
      publicNamespaces: req.publicNamespaces,
      searchTerm: req.searchTerm,
    });
    return { items: items.map((i) => registryItemToProto(i, baseUrl(call))) };
  },
  async deleteRegistryItem(req) {
    await registry.remove(req.itemId);
    return {};
  },
  async createModule(req, call) {
    const item = await registry.create(req.organizationId, req.name, ITEM_TYPE.module);
    return { moduleId: itemIdOf(item), url: registryPageUrl(item, baseUrl(call)) };
  },
  async updateModule(req, call) {
    await registry.findModule(req.moduleId);
    const updated = await registry.update(
      req.moduleId,
      {
        description: req.description,
        url: req.url,
        models: req.models,
        entrypoint: req.entrypoint,
        ...(visibilityChange(req.visibility) !== undefined && { visibility: req.visibility }),
        ...(req.firstRun !== undefined && { firstRun: req.firstRun === '' ? null : req.firstRun }),
      },
      'module_id',
    );
    return { url: registryPageUrl(updated, baseUrl(call)) };
  },
  async getModule(req) {
    return { module: moduleToProto(await registry.withFiles(await registry.findModule(req.moduleId))) };
  },
  async listModules(req, call) {
    const items = await registry.list(call.actor, {
      organizationId: req.organizationId === undefined || req.organizationId === '' ? undefined : req.organizationId,
      types: [ITEM_TYPE.module],
      visibilities: [],
      platforms: [],
      statuses: [],
      publicNamespaces: [],
    });
    return { modules: items.map(moduleToProto) };
  },
  async uploadModuleFile(first, rest, call) {
    if (first.moduleFile.case !== 'moduleFileInfo')
      throw invalid('the first message must be module_file_info: which module, version and platform');
    const info = first.moduleFile.value;
    const file = await registry.upload(
      call.actor,
      { itemId: info.moduleId, version: info.version, platform: info.platform },
      fileChunks(rest),
      call.signal,
    );
    const { item } = (await registry.fileById(file.id)) ?? {};
    return { url: item === undefined ? '' : registryPageUrl(item, baseUrl(call)) };
  },
});
