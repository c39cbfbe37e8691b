import { Struct, type PartialMessage } from '@bufbuild/protobuf';
import { invalid, type FragmentHistoryEntry, type FragmentVisibility, type JsonObject } from '@hangar/domain';
import { appApi } from '@hangar/wire';
import { timestamp } from '../rpc/convert.js';
import type { FragmentWithUsage } from './fragments.service.js';

const TO_WIRE: Record<FragmentVisibility, appApi.FragmentVisibility> = {
  private: appApi.FragmentVisibility.PRIVATE,
  public: appApi.FragmentVisibility.PUBLIC,
  public_unlisted: appApi.FragmentVisibility.PUBLIC_UNLISTED,
};

export function fragmentToProto({ fragment: f, usage }: FragmentWithUsage): PartialMessage<appApi.Fragment> {
  return {
    id: f.id,
    name: f.name,
    fragment: Struct.fromJson(f.config),
    organizationOwner: f.organizationId,
    public: f.visibility === 'public',
    createdOn: timestamp(f.createdAt),
    organizationName: f.organizationName,
    robotPartCount: usage.parts,
    organizationCount: usage.organizations,
    onlyUsedByOwner: usage.parts === usage.partsInOwner,
    visibility: TO_WIRE[f.visibility],
    lastUpdated: timestamp(f.updatedAt),
    revision: String(f.revision),
  };
}

export function historyEntryToProto(e: FragmentHistoryEntry): PartialMessage<appApi.FragmentHistoryEntry> {
  return {
    fragment: e.fragmentId,
    editedOn: timestamp(e.at),
    old: fragmentToProto({ fragment: e.old, usage: { parts: 0, organizations: 0, partsInOwner: 0 } }),
    editedBy: {
      type: e.editor.type === 'api-key' ? appApi.AuthenticationType.API_KEY : appApi.AuthenticationType.WEB_OAUTH,
      value: e.editor.id,
      isDeactivated: false,
    },
    revision: String(e.old.revision),
    config: Struct.fromJson(e.old.config),
  };
}

/** A visibility a client sent; UNSPECIFIED means "unchanged" (undefined) or, on create, private. */
export function parseVisibility(value: appApi.FragmentVisibility | undefined, field: string): FragmentVisibility | undefined {
  switch (value) {
    case undefined:
    case appApi.FragmentVisibility.UNSPECIFIED:
      return undefined;
    case appApi.FragmentVisibility.PRIVATE:
      return 'private';
    case appApi.FragmentVisibility.PUBLIC:
      return 'public';
    case appApi.FragmentVisibility.PUBLIC_UNLISTED:
      return 'public_unlisted';
    default:
      throw invalid(`${field} must be PRIVATE (1), PUBLIC (2) or PUBLIC_UNLISTED (3), got ${String(value)}`);
  }
}

export function configOf(struct: Struct | undefined): JsonObject | undefined {
  return struct?.toJson() as JsonObject | undefined;
}
