/**
 * One pass over every request before anything else reads it: every string, anywhere in the message
 * (including map keys and the strings inside a config Struct), must be valid Unicode without NUL, and
 * messages must not nest deeper than a config may. PostgreSQL cannot store NUL in text, a lone surrogate
 * cannot be encoded as UTF-8, and a config nested thousands deep overflows the stack of every recursive
 * function that touches it later; refusing all three here means no store, parser or converter meets them.
 * The walk is iterative, so a hostile message cannot overflow it either.
 */
import { ScalarType, type FieldInfo, type Message } from '@bufbuild/protobuf';
import { invalid } from '@hangar/domain';

export interface SanitizeLimits {
  /** How deep a config may nest, in JSON levels (each is two message levels: Struct → Value). */
  readonly maxConfigDepth: number;
}

interface Pending {
  readonly message: Message;
  readonly path: string;
  readonly depth: number;
  /** The top-level field the message hangs under, for messages that say what to fix. */
  readonly root: string;
}

const STRUCT = 'google.protobuf.Struct';
const LIST_VALUE = 'google.protobuf.ListValue';
const VALUE = 'google.protobuf.Value';
// Request messages themselves nest a few levels (a request → an authorization → …) before any config.
const MESSAGE_DEPTH_ALLOWANCE = 16;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function checkString(path: string, value: string): void {
  if (value.includes('\u0000')) throw invalid(`${path} must not contain NUL characters`);
  if (LONE_SURROGATE.test(value)) throw invalid(`${path} is not valid Unicode (it holds an unpaired surrogate)`);
}

export function checkRequest(request: Message, limits: SanitizeLimits): void {
  const maxDepth = 2 * limits.maxConfigDepth + MESSAGE_DEPTH_ALLOWANCE;
  const stack: Pending[] = [{ message: request, path: '', depth: 0, root: '' }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { message, path, depth, root } = item;
    if (depth > maxDepth) throw invalid(`${root} is nested more than ${limits.maxConfigDepth} levels deep`);
    const type = message.getType();
    const container = type.typeName;
    for (const field of type.fields.list()) {
      const value = valueOf(message, field);
      if (value === undefined) continue;
      const fieldPath = childPath(path, container, field);
      const fieldRoot = root === '' ? field.name : root;
      const push = (m: unknown, p: string) => {
        stack.push({ message: m as Message, path: p, depth: depth + 1, root: fieldRoot });
      };
      switch (field.kind) {
        case 'scalar':
          if (field.T !== ScalarType.STRING) break;
          if (field.repeated) (value as string[]).forEach((v, i) => checkString(`${fieldPath}[${i}]`, v));
          else checkString(fieldPath, value as string);
          break;
        case 'enum':
          break;
        case 'message':
          if (field.repeated) {
            (value as unknown[]).forEach((v, i) => push(v, container === LIST_VALUE ? `${path}[${i}]` : `${fieldPath}[${i}]`));
          } else {
            push(value, fieldPath);
          }
          break;
        case 'map':
          for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
            // A Struct's fields are the config's keys: show them as a JSON path.
            const entryPath = container === STRUCT ? `${path}.${key}` : `${fieldPath}.${key}`;
            checkString(`${entryPath} (a key)`, key);
            if (field.V.kind === 'message') push(v, entryPath);
            else if (field.V.kind === 'scalar' && field.V.T === ScalarType.STRING) checkString(entryPath, v as string);
          }
          break;
      }
    }
  }
}

/** A field's value, whether it is a plain field or one case of a oneof; undefined when unset. */
function valueOf(message: Message, field: FieldInfo): unknown {
  const record = message as unknown as Record<string, unknown>;
  if (field.oneof !== undefined) {
    const oneof = record[field.oneof.localName] as { case: string | undefined; value?: unknown } | undefined;
    return oneof?.case === field.localName ? oneof.value : undefined;
  }
  return record[field.localName];
}

/** Paths read like the request's JSON: `robot_config.components[0].name`, not the Struct's inner fields. */
function childPath(path: string, container: string, field: FieldInfo): string {
  if (container === VALUE || container === STRUCT || container === LIST_VALUE) return path;
  return path === '' ? field.name : `${path}.${field.name}`;
}
