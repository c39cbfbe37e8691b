/**
 * File descriptors rebuilt from protobuf-es message classes, for gRPC server reflection. protobuf-es 1.x
 * classes carry their fields but not the .proto files they came from, so each package's reachable types
 * become one synthetic file (`viam/robot/v1.proto` for package viam.robot.v1), and the well-known types
 * keep their real file names so that clients that know them natively link them as usual. What a
 * reflection client needs — names, numbers, types, labels, oneofs, maps, enums, services — is exact;
 * options and comments are not carried.
 */
import {
  DescriptorProto,
  EnumDescriptorProto,
  EnumValueDescriptorProto,
  FieldDescriptorProto,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProto,
  MessageOptions,
  MethodDescriptorProto,
  MethodKind,
  OneofDescriptorProto,
  ScalarType,
  ServiceDescriptorProto,
  type EnumType,
  type FieldInfo,
  type MessageType,
} from '@bufbuild/protobuf';

export interface ServiceLike {
  readonly typeName: string;
  readonly methods: Readonly<
    Record<string, { readonly name: string; readonly I: MessageType; readonly O: MessageType; readonly kind: MethodKind }>
  >;
}

const WELL_KNOWN_FILES: Readonly<Record<string, string>> = {
  'google.protobuf.Struct': 'google/protobuf/struct.proto',
  'google.protobuf.Value': 'google/protobuf/struct.proto',
  'google.protobuf.ListValue': 'google/protobuf/struct.proto',
  'google.protobuf.NullValue': 'google/protobuf/struct.proto',
  'google.protobuf.Timestamp': 'google/protobuf/timestamp.proto',
  'google.protobuf.Duration': 'google/protobuf/duration.proto',
  'google.protobuf.Any': 'google/protobuf/any.proto',
  'google.protobuf.Empty': 'google/protobuf/empty.proto',
  'google.protobuf.FieldMask': 'google/protobuf/field_mask.proto',
};
for (const wrapper of ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes']) {
  (WELL_KNOWN_FILES as Record<string, string>)[`google.protobuf.${wrapper}Value`] = 'google/protobuf/wrappers.proto';
}

/** Proto packages are lower-case by convention, message and enum names capitalized: `viam.app.v1.Foo.Bar`. */
function splitName(typeName: string): { pkg: string; path: string[] } {
  const parts = typeName.split('.');
  const first = parts.findIndex((p) => /^[A-Z]/.test(p));
  const at = first === -1 ? parts.length - 1 : first;
  return { pkg: parts.slice(0, at).join('.'), path: parts.slice(at) };
}

export function fileNameOf(typeName: string): string {
  const known = WELL_KNOWN_FILES[typeName];
  if (known !== undefined) return known;
  const { pkg } = splitName(typeName);
  return `${pkg === '' ? 'root' : pkg.replace(/\./g, '/')}.proto`;
}

const mapEntryName = (field: string) =>
  field
    .split('_')
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join('') + 'Entry';

/** protobuf-es's scalar types carry the same names as descriptor field types. */
const scalarType = (t: ScalarType): FieldDescriptorProto_Type =>
  FieldDescriptorProto_Type[ScalarType[t] as keyof typeof FieldDescriptorProto_Type];

interface FileBuilder {
  readonly proto: FileDescriptorProto;
  readonly deps: Set<string>;
  /** Message descriptors by their path inside the package, so nested types find their parent. */
  readonly messages: Map<string, DescriptorProto>;
}

/** Builds the descriptors of every type reachable from the services, grouped in files. */
export function fileDescriptors(services: readonly ServiceLike[]): Map<string, FileDescriptorProto> {
  const files = new Map<string, FileBuilder>();
  const seen = new Set<string>();

  const fileFor = (typeName: string): FileBuilder => {
    const name = fileNameOf(typeName);
    let file = files.get(name);
    if (file === undefined) {
      file = {
        proto: new FileDescriptorProto({ name, package: splitName(typeName).pkg, syntax: 'proto3' }),
        deps: new Set(),
        messages: new Map(),
      };
      files.set(name, file);
    }
    return file;
  };
  const refer = (from: FileBuilder, typeName: string) => {
    const target = fileNameOf(typeName);
    if (target !== from.proto.name) from.deps.add(target);
    return `.${typeName}`;
  };
  /** The message list a type at `path` belongs in: the file's top level or its parent's nested types. */
  const container = (file: FileBuilder, path: string[]): DescriptorProto | FileDescriptorProto =>
    // A nested type whose parent nothing else reaches gets the parent declared empty.
    path.length === 1 ? file.proto : messageAt(file, path.slice(0, -1));
  /** The message declared at `path` in the file, declared (empty, in its container) if it is not yet. */
  const messageAt = (file: FileBuilder, path: string[]): DescriptorProto => {
    const key = path.join('.');
    let message = file.messages.get(key);
    if (message === undefined) {
      message = new DescriptorProto({ name: path.at(-1) ?? '' });
      file.messages.set(key, message);
      const holder = container(file, path);
      if (holder instanceof FileDescriptorProto) holder.messageType.push(message);
      else holder.nestedType.push(message);
    }
    return message;
  };

  const addEnum = (type: EnumType) => {
    if (seen.has(type.typeName)) return;
    seen.add(type.typeName);
    const file = fileFor(type.typeName);
    const { path } = splitName(type.typeName);
    const proto = new EnumDescriptorProto({
      name: path.at(-1) ?? '',
      value: type.values.map((v) => new EnumValueDescriptorProto({ name: v.name, number: v.no })),
    });
    const holder = container(file, path);
    if (holder instanceof FileDescriptorProto) holder.enumType.push(proto);
    else holder.enumType.push(proto);
  };

  const fieldProto = (file: FileBuilder, owner: DescriptorProto, ownerName: string, f: FieldInfo): FieldDescriptorProto => {
    const field = new FieldDescriptorProto({ name: f.name, number: f.no, jsonName: f.jsonName });
    field.label = f.repeated || f.kind === 'map' ? FieldDescriptorProto_Label.REPEATED : FieldDescriptorProto_Label.OPTIONAL;
    switch (f.kind) {
      case 'scalar':
        field.type = scalarType(f.T);
        break;
      case 'enum':
        field.type = FieldDescriptorProto_Type.ENUM;
        field.typeName = refer(file, f.T.typeName);
        addEnum(f.T);
        break;
      case 'message':
        field.type = FieldDescriptorProto_Type.MESSAGE;
        field.typeName = refer(file, f.T.typeName);
        addMessage(f.T);
        break;
      case 'map': {
        const entryName = mapEntryName(f.name);
        const value = new FieldDescriptorProto({ name: 'value', number: 2, jsonName: 'value', label: FieldDescriptorProto_Label.OPTIONAL });
        if (f.V.kind === 'scalar') value.type = scalarType(f.V.T);
        else if (f.V.kind === 'enum') {
          value.type = FieldDescriptorProto_Type.ENUM;
          value.typeName = refer(file, f.V.T.typeName);
          addEnum(f.V.T);
        } else {
          value.type = FieldDescriptorProto_Type.MESSAGE;
          value.typeName = refer(file, f.V.T.typeName);
          addMessage(f.V.T);
        }
        owner.nestedType.push(
          new DescriptorProto({
            name: entryName,
            field: [
              new FieldDescriptorProto({
                name: 'key',
                number: 1,
                jsonName: 'key',
                label: FieldDescriptorProto_Label.OPTIONAL,
                type: scalarType(f.K),
              }),
              value,
            ],
            options: new MessageOptions({ mapEntry: true }),
          }),
        );
        field.type = FieldDescriptorProto_Type.MESSAGE;
        field.typeName = `.${ownerName}.${entryName}`;
        break;
      }
    }
    return field;
  };

  function addMessage(type: MessageType): void {
    if (seen.has(type.typeName)) return;
    seen.add(type.typeName);
    const file = fileFor(type.typeName);
    // The type may have been declared empty as some nested type's parent already; that one is filled in.
    const proto = messageAt(file, splitName(type.typeName).path);
    const oneofs: string[] = [];
    const synthetic: { field: FieldDescriptorProto; name: string }[] = [];
    for (const f of type.fields.list()) {
      const field = fieldProto(file, proto, type.typeName, f);
      if (f.oneof !== undefined) {
        let index = oneofs.indexOf(f.oneof.name);
        if (index === -1) index = oneofs.push(f.oneof.name) - 1;
        field.oneofIndex = index;
      } else if (f.opt) {
        field.proto3Optional = true;
        synthetic.push({ field, name: `_${f.name}` });
      }
      proto.field.push(field);
    }
    // Synthetic oneofs of proto3 `optional` fields come after the real ones, as protoc orders them.
    for (const { field, name } of synthetic) field.oneofIndex = oneofs.push(name) - 1;
    proto.oneofDecl.push(...oneofs.map((name) => new OneofDescriptorProto({ name })));
  }

  for (const service of services) {
    const { path } = splitName(service.typeName);
    const file = fileFor(service.typeName);
    const methods = Object.values(service.methods).map((m) => {
      addMessage(m.I);
      addMessage(m.O);
      return new MethodDescriptorProto({
        name: m.name,
        inputType: refer(file, m.I.typeName),
        outputType: refer(file, m.O.typeName),
        clientStreaming: m.kind === MethodKind.ClientStreaming || m.kind === MethodKind.BiDiStreaming,
        serverStreaming: m.kind === MethodKind.ServerStreaming || m.kind === MethodKind.BiDiStreaming,
      });
    });
    file.proto.service.push(new ServiceDescriptorProto({ name: path.join('.'), method: methods }));
  }

  const out = new Map<string, FileDescriptorProto>();
  for (const [name, file] of files) {
    file.proto.dependency = [...file.deps].sort();
    out.set(name, file.proto);
  }
  return out;
}

/** The files named and everything they depend on, each after its dependencies (as descriptor sets want them). */
export function withDependencies(files: ReadonlyMap<string, FileDescriptorProto>, ...names: string[]): FileDescriptorProto[] {
  const ordered: FileDescriptorProto[] = [];
  const visited = new Set<string>();
  const visit = (n: string) => {
    if (visited.has(n)) return;
    visited.add(n);
    const file = files.get(n);
    if (file === undefined) return;
    for (const dep of file.dependency) visit(dep);
    ordered.push(file);
  };
  for (const name of names) visit(name);
  return ordered;
}

/** Every symbol a file declares (messages, enums, services, methods, at any depth) → that file's name. */
export function symbolIndex(files: ReadonlyMap<string, FileDescriptorProto>): Map<string, string> {
  const index = new Map<string, string>();
  for (const [name, file] of files) {
    const prefix = file.package === '' ? '' : `${file.package}.`;
    const addMessages = (scope: string, messages: readonly DescriptorProto[], enums: readonly EnumDescriptorProto[]) => {
      for (const e of enums) index.set(`${scope}${e.name}`, name);
      for (const m of messages) {
        index.set(`${scope}${m.name}`, name);
        addMessages(`${scope}${m.name}.`, m.nestedType, m.enumType);
      }
    };
    addMessages(prefix, file.messageType, file.enumType);
    for (const service of file.service) {
      index.set(`${prefix}${service.name}`, name);
      for (const method of service.method) index.set(`${prefix}${service.name}.${method.name}`, name);
    }
  }
  return index;
}
