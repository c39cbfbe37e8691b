import { Timestamp } from '@bufbuild/protobuf';
import { compareVersionsDescending, isSemver } from '@hangar/domain';
import { appApi } from '@hangar/wire';
import { ITEM_TYPE, itemIdOf, type Item, type ItemFile, type ItemWithFiles, type Model } from './registry.service.js';

/** Stored as the wire's numbers; anything else reads as unspecified. */
const VISIBILITY_OF: Record<number, appApi.Visibility> = {
  1: appApi.Visibility.PRIVATE,
  2: appApi.Visibility.PUBLIC,
  3: appApi.Visibility.PUBLIC_UNLISTED,
};
const visibility = (stored: number): appApi.Visibility => VISIBILITY_OF[stored] ?? appApi.Visibility.UNSPECIFIED;

const ts = (iso: string) => Timestamp.fromDate(new Date(iso));
const models = (list: readonly Model[]) => list.map((m) => new appApi.Model({ api: m.api, model: m.model }));

/** A module's versions, oldest first, each with the platforms uploaded for it. */
function versionsOf(files: readonly ItemFile[]): appApi.VersionHistory[] {
  const byVersion = new Map<string, ItemFile[]>();
  for (const f of files) byVersion.set(f.version, [...(byVersion.get(f.version) ?? []), f]);
  const order = [...byVersion.keys()].sort((a, b) => (isSemver(a) && isSemver(b) ? -compareVersionsDescending(a, b) : a.localeCompare(b)));
  return order.map((version) => {
    const list = byVersion.get(version) ?? [];
    const latest = list[list.length - 1];
    return new appApi.VersionHistory({
      version,
      files: list.map((f) => new appApi.Uploads({ platform: f.platform, uploadedAt: ts(f.createdAt) })),
      models: models(latest?.models ?? []),
      entrypoint: latest?.entrypoint ?? '',
    });
  });
}

export function registryItemToProto({ item, files }: ItemWithFiles, baseUrl: string): appApi.RegistryItem {
  const versions = versionsOf(files);
  const metadata: appApi.RegistryItem['metadata'] =
    item.type === ITEM_TYPE.module
      ? {
          case: 'moduleMetadata',
          value: new appApi.ModuleMetadata({
            models: models(item.models),
            versions: versions.map(
              (v) => new appApi.ModuleVersion({ version: v.version, files: v.files, models: v.models, entrypoint: v.entrypoint }),
            ),
            entrypoint: item.entrypoint,
            ...(item.firstRun !== null && { firstRun: item.firstRun }),
            ...(item.markdownDescription !== null && { markdownDescription: item.markdownDescription }),
          }),
        }
      : item.type === ITEM_TYPE.mlModel
        ? { case: 'mlModelMetadata', value: new appApi.MLModelMetadata({ versions: versions.map((v) => v.version) }) }
        : item.type === ITEM_TYPE.mlTraining
          ? {
              case: 'mlTrainingMetadata',
              value: new appApi.MLTrainingMetadata({
                versions: versions.map(
                  (v) =>
                    new appApi.MLTrainingVersion({
                      version: v.version,
                      ...(v.files[0]?.uploadedAt && { createdOn: v.files[0].uploadedAt }),
                    }),
                ),
              }),
            }
          : { case: undefined };
  return new appApi.RegistryItem({
    itemId: itemIdOf(item),
    organizationId: item.organizationId,
    publicNamespace: item.publicNamespace ?? '',
    name: item.name,
    // Stored as the wire's numbers.
    type: item.type as never,
    visibility: visibility(item.visibility),
    url: item.url || registryPageUrl(item, baseUrl),
    description: item.description,
    metadata,
    createdAt: ts(item.createdAt),
    updatedAt: ts(item.updatedAt),
  });
}

export function moduleToProto({ item, files }: ItemWithFiles): appApi.Module {
  return new appApi.Module({
    moduleId: itemIdOf(item),
    name: item.name,
    visibility: visibility(item.visibility),
    versions: versionsOf(files),
    url: item.url,
    description: item.description,
    models: models(item.models),
    organizationId: item.organizationId,
    entrypoint: item.entrypoint,
    publicNamespace: item.publicNamespace ?? '',
    ...(item.firstRun !== null && { firstRun: item.firstRun }),
    ...(item.markdownDescription !== null && { markdownDescription: item.markdownDescription }),
  });
}

/** The item's page on this server (what Viam answers with app.viam.com/module/<namespace>/<name>). */
export function registryPageUrl(item: Pick<Item, 'publicNamespace' | 'organizationId' | 'name'>, baseUrl: string): string {
  return `${baseUrl}/registry/${encodeURIComponent(item.publicNamespace ?? item.organizationId)}/${encodeURIComponent(item.name)}`;
}
