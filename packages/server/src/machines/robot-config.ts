/**
 * A part's effective JSON config as the `RobotConfig` message viam-server reads. Viam's JSON config uses the
 * proto field names (snake_case), which protobuf JSON accepts as well as the camelCase names, so the JSON
 * maps onto the message almost as it is. What does not fit — a key of another shape, a value of the wrong
 * type — is left out field by field rather than failing the call: a config users wrote by hand must never
 * make a machine's Config answer INTERNAL, and one bad attribute must not cost it the rest.
 */
import type { JsonObject, JsonValue, MessageType } from '@bufbuild/protobuf';
import { appRobotApi } from '@hangar/wire';

const READ = { ignoreUnknownFields: true } as const;

/** Keys the server sets itself, whatever the stored config says. */
const SERVER_KEYS = new Set(['cloud', 'revision']);

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** As much of `json` as fits `type`: whole if it can, else key by key, lists element by element. */
export function fitMessage(type: MessageType, json: JsonObject): JsonObject {
  try {
    type.fromJson(json, READ);
    return json;
  } catch {
    // Find what does not fit, below.
  }
  const kept: JsonObject = {};
  for (const [key, value] of Object.entries(json)) {
    try {
      type.fromJson({ [key]: value }, READ);
      kept[key] = value;
      continue;
    } catch {
      // This key does not fit as it is; a message (or a list of them) may still fit in part.
    }
    const field = type.fields.findJsonName(key);
    if (field?.kind !== 'message') continue;
    const inner = field.T;
    if (field.repeated && Array.isArray(value)) {
      kept[key] = value.filter(isObject).map((element) => fitMessage(inner, element));
    } else if (!field.repeated && isObject(value)) {
      kept[key] = fitMessage(inner, value);
    }
  }
  return kept;
}

/**
 * Viam's JSON config names a module's executable `executable_path`; the message's field is `path`. The
 * JSON spelling wins over nothing, never over an explicit `path`.
 */
function moduleOf(entry: JsonValue): JsonValue {
  if (!isObject(entry) || entry.executable_path === undefined || entry.path !== undefined) return entry;
  const { executable_path: path, ...rest } = entry;
  return { ...rest, path: path ?? null };
}

export function robotConfigOf(effective: JsonObject, cloud: appRobotApi.CloudConfig, revision: string): appRobotApi.RobotConfig {
  const own: JsonObject = {};
  for (const [key, value] of Object.entries(effective)) if (!SERVER_KEYS.has(key)) own[key] = value;
  if (Array.isArray(own.modules)) own.modules = own.modules.map(moduleOf);
  const config = appRobotApi.RobotConfig.fromJson(fitMessage(appRobotApi.RobotConfig, own), READ);
  config.cloud = cloud;
  config.revision = revision;
  return config;
}
