import { Struct } from '@bufbuild/protobuf';
import { invalid, parseId, type FragmentVisibility } from '@hangar/domain';
import type { EffectiveConfigService } from '@hangar/wire';
import type { AppHandlers, ServiceHandlers } from '../rpc/routes.js';
import { configOf, fragmentToProto, historyEntryToProto, parseVisibility } from './fragments.convert.js';
import type { FragmentsService } from './fragments.service.js';

/** The deprecated `public` bool of UpdateFragment, when no visibility is given. */
function visibilityFromPublic(isPublic: boolean | undefined): FragmentVisibility | undefined {
  return isPublic === undefined ? undefined : isPublic ? 'public' : 'private';
}

export const fragmentsRpc = (fragments: FragmentsService): AppHandlers => ({
  async listFragments(req) {
    const visibilities = req.fragmentVisibility.map((v, i) => parseVisibility(v, `fragment_visibility[${i}]`) ?? 'private');
    return { fragments: (await fragments.list(req.organizationId, req.showPublic, visibilities)).map(fragmentToProto) };
  },
  async getFragment(req, { actor }) {
    return { fragment: fragmentToProto(await fragments.get(actor, req.id, req.version)) };
  },
  async createFragment(req) {
    const visibility = parseVisibility(req.visibility, 'visibility') ?? 'private';
    return { fragment: fragmentToProto(await fragments.create(req.organizationId, req.name, configOf(req.config), visibility)) };
  },
  async updateFragment(req, { actor }) {
    const visibility = parseVisibility(req.visibility, 'visibility') ?? visibilityFromPublic(req.public);
    const config = configOf(req.config);
    const updated = await fragments.update(actor, req.id, {
      name: req.name,
      ...(config !== undefined && { config }),
      ...(visibility !== undefined && { visibility }),
      ...(req.lastKnownUpdate !== undefined && { lastKnownUpdate: req.lastKnownUpdate.toDate() }),
    });
    return { fragment: fragmentToProto(updated) };
  },
  async deleteFragment(req) {
    await fragments.delete(req.id);
    return {};
  },
  async getFragmentHistory(req, { actor }) {
    const limit = req.pageLimit === undefined ? 10 : Number(req.pageLimit);
    if (req.pageLimit !== undefined && req.pageLimit > 1000n) throw invalid(`page_limit must be 1–1000, got ${String(req.pageLimit)}`);
    const page = await fragments.history(actor, req.id, req.pageToken ?? '', limit);
    return { history: page.items.map(historyEntryToProto), nextPageToken: page.nextPageToken };
  },
  async listMachineFragments(req, { actor }) {
    const additional = [...req.additionalFragmentIds, ...req.additionalFragments.map((f) => f.fragmentId)].map((id, i) =>
      parseId(`additional_fragment_ids[${i}]`, id),
    );
    return { fragments: (await fragments.forMachine(actor, req.machineId, additional)).map(fragmentToProto) };
  },
});

export const effectiveConfigRpc = (fragments: FragmentsService): ServiceHandlers<typeof EffectiveConfigService> => ({
  async getEffectiveConfig(req) {
    const resolved = await fragments.forPart(req.partId);
    return {
      config: Struct.fromJson(resolved.config),
      revision: resolved.revision,
      fragments: resolved.fragments.map((f) => ({ id: f.id, name: f.name, revision: String(f.revision) })),
    };
  },
});
