/**
 * Metadata: one JSON object per organization, location, machine and part, the user's own (Viam's
 * get/update_*_metadata). Any role reads it, owners write it (the method table checks); it is bounded by
 * --max-metadata-bytes and --max-config-depth like a config.
 */
import { invalid, jsonDepth, notFound, type JsonObject, type JsonValue } from '@hangar/domain';
import { metadata, type Database } from '@hangar/store';
import { limitFlag, type Limits } from '../settings.js';

export type MetadataOwner = 'organization' | 'location' | 'robot' | 'part';

const TABLE: Record<MetadataOwner, metadata.MetadataTable> = {
  organization: 'organizations',
  location: 'locations',
  robot: 'robots',
  part: 'robot_parts',
};

const NOUN: Record<MetadataOwner, string> = { organization: 'organization', location: 'location', robot: 'machine', part: 'machine part' };

export function createMetadataService({ db, limits }: { readonly db: Database; readonly limits: Limits }) {
  return {
    async get(owner: MetadataOwner, id: string): Promise<JsonObject> {
      const data = await metadata.getMetadata(db, TABLE[owner], id);
      if (data === undefined) throw notFound(NOUN[owner], id);
      return data;
    },

    async update(owner: MetadataOwner, id: string, value: JsonValue | undefined): Promise<void> {
      const data = value ?? {};
      if (typeof data !== 'object' || Array.isArray(data)) throw invalid('data must be a JSON object');
      if (jsonDepth(data, limits.maxConfigDepth) > limits.maxConfigDepth) {
        throw invalid(`data is nested more than ${limits.maxConfigDepth} levels deep`);
      }
      const size = Buffer.byteLength(JSON.stringify(data));
      if (size > limits.maxMetadataBytes) {
        throw invalid(`data is ${size} bytes; at most ${limits.maxMetadataBytes} bytes are accepted (${limitFlag('maxMetadataBytes')})`);
      }
      if (!(await metadata.setMetadata(db, TABLE[owner], id, data))) throw notFound(NOUN[owner], id);
    },
  };
}

export type MetadataService = ReturnType<typeof createMetadataService>;
