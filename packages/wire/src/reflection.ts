// gRPC server reflection (grpc/grpc-proto grpc/reflection/v1/reflection.proto, and v1alpha, which older
// clients such as grpcurl and Viam's CLI still ask first): the messages, declared field for field for both
// packages, and a handler answering from descriptors rebuilt from the served services' message classes.
import { MethodKind, proto3, ScalarType, type FileDescriptorProto, type Message, type MessageType } from '@bufbuild/protobuf';
import { fileDescriptors, symbolIndex, withDependencies, type ServiceLike } from './descriptors.js';

export interface ExtensionRequest extends Message<ExtensionRequest> {
  containingType: string;
  extensionNumber: number;
}
export interface ServerReflectionRequest extends Message<ServerReflectionRequest> {
  host: string;
  messageRequest:
    | { case: 'fileByFilename'; value: string }
    | { case: 'fileContainingSymbol'; value: string }
    | { case: 'fileContainingExtension'; value: ExtensionRequest }
    | { case: 'allExtensionNumbersOfType'; value: string }
    | { case: 'listServices'; value: string }
    | { case: undefined; value?: undefined };
}
export interface FileDescriptorResponse extends Message<FileDescriptorResponse> {
  fileDescriptorProto: Uint8Array[];
}
export interface ExtensionNumberResponse extends Message<ExtensionNumberResponse> {
  baseTypeName: string;
  extensionNumber: number[];
}
export interface ServiceResponse extends Message<ServiceResponse> {
  name: string;
}
export interface ListServiceResponse extends Message<ListServiceResponse> {
  service: ServiceResponse[];
}
export interface ErrorResponse extends Message<ErrorResponse> {
  errorCode: number;
  errorMessage: string;
}
export interface ServerReflectionResponse extends Message<ServerReflectionResponse> {
  validHost: string;
  originalRequest?: ServerReflectionRequest;
  messageResponse:
    | { case: 'fileDescriptorResponse'; value: FileDescriptorResponse }
    | { case: 'allExtensionNumbersResponse'; value: ExtensionNumberResponse }
    | { case: 'listServicesResponse'; value: ListServiceResponse }
    | { case: 'errorResponse'; value: ErrorResponse }
    | { case: undefined; value?: undefined };
}

interface ReflectionApi {
  readonly ServerReflectionRequest: MessageType<ServerReflectionRequest>;
  readonly ServerReflectionResponse: MessageType<ServerReflectionResponse>;
  readonly FileDescriptorResponse: MessageType<FileDescriptorResponse>;
  readonly ExtensionNumberResponse: MessageType<ExtensionNumberResponse>;
  readonly ListServiceResponse: MessageType<ListServiceResponse>;
  readonly ServiceResponse: MessageType<ServiceResponse>;
  readonly ErrorResponse: MessageType<ErrorResponse>;
  readonly service: {
    readonly typeName: string;
    readonly methods: {
      readonly serverReflectionInfo: {
        readonly name: 'ServerReflectionInfo';
        readonly I: MessageType<ServerReflectionRequest>;
        readonly O: MessageType<ServerReflectionResponse>;
        readonly kind: MethodKind.BiDiStreaming;
      };
    };
  };
}

function reflectionApi(pkg: string): ReflectionApi {
  const ExtensionRequest = proto3.makeMessageType<ExtensionRequest>(`${pkg}.ExtensionRequest`, [
    { no: 1, name: 'containing_type', kind: 'scalar', T: ScalarType.STRING },
    { no: 2, name: 'extension_number', kind: 'scalar', T: ScalarType.INT32 },
  ]);
  const ServerReflectionRequest = proto3.makeMessageType<ServerReflectionRequest>(`${pkg}.ServerReflectionRequest`, [
    { no: 1, name: 'host', kind: 'scalar', T: ScalarType.STRING },
    { no: 3, name: 'file_by_filename', kind: 'scalar', T: ScalarType.STRING, oneof: 'message_request' },
    { no: 4, name: 'file_containing_symbol', kind: 'scalar', T: ScalarType.STRING, oneof: 'message_request' },
    { no: 5, name: 'file_containing_extension', kind: 'message', T: ExtensionRequest, oneof: 'message_request' },
    { no: 6, name: 'all_extension_numbers_of_type', kind: 'scalar', T: ScalarType.STRING, oneof: 'message_request' },
    { no: 7, name: 'list_services', kind: 'scalar', T: ScalarType.STRING, oneof: 'message_request' },
  ]);
  const FileDescriptorResponse = proto3.makeMessageType<FileDescriptorResponse>(`${pkg}.FileDescriptorResponse`, [
    { no: 1, name: 'file_descriptor_proto', kind: 'scalar', T: ScalarType.BYTES, repeated: true },
  ]);
  const ExtensionNumberResponse = proto3.makeMessageType<ExtensionNumberResponse>(`${pkg}.ExtensionNumberResponse`, [
    { no: 1, name: 'base_type_name', kind: 'scalar', T: ScalarType.STRING },
    { no: 2, name: 'extension_number', kind: 'scalar', T: ScalarType.INT32, repeated: true },
  ]);
  const ServiceResponse = proto3.makeMessageType<ServiceResponse>(`${pkg}.ServiceResponse`, [
    { no: 1, name: 'name', kind: 'scalar', T: ScalarType.STRING },
  ]);
  const ListServiceResponse = proto3.makeMessageType<ListServiceResponse>(`${pkg}.ListServiceResponse`, [
    { no: 1, name: 'service', kind: 'message', T: ServiceResponse, repeated: true },
  ]);
  const ErrorResponse = proto3.makeMessageType<ErrorResponse>(`${pkg}.ErrorResponse`, [
    { no: 1, name: 'error_code', kind: 'scalar', T: ScalarType.INT32 },
    { no: 2, name: 'error_message', kind: 'scalar', T: ScalarType.STRING },
  ]);
  const ServerReflectionResponse = proto3.makeMessageType<ServerReflectionResponse>(`${pkg}.ServerReflectionResponse`, [
    { no: 1, name: 'valid_host', kind: 'scalar', T: ScalarType.STRING },
    { no: 2, name: 'original_request', kind: 'message', T: ServerReflectionRequest },
    { no: 4, name: 'file_descriptor_response', kind: 'message', T: FileDescriptorResponse, oneof: 'message_response' },
    { no: 5, name: 'all_extension_numbers_response', kind: 'message', T: ExtensionNumberResponse, oneof: 'message_response' },
    { no: 6, name: 'list_services_response', kind: 'message', T: ListServiceResponse, oneof: 'message_response' },
    { no: 7, name: 'error_response', kind: 'message', T: ErrorResponse, oneof: 'message_response' },
  ]);
  return {
    ServerReflectionRequest,
    ServerReflectionResponse,
    FileDescriptorResponse,
    ExtensionNumberResponse,
    ListServiceResponse,
    ServiceResponse,
    ErrorResponse,
    service: {
      typeName: `${pkg}.ServerReflection`,
      methods: {
        serverReflectionInfo: {
          name: 'ServerReflectionInfo',
          I: ServerReflectionRequest,
          O: ServerReflectionResponse,
          kind: MethodKind.BiDiStreaming,
        },
      },
    },
  };
}

export const reflectionV1 = reflectionApi('grpc.reflection.v1');
export const reflectionV1Alpha = reflectionApi('grpc.reflection.v1alpha');
export const ServerReflectionV1 = reflectionV1.service;
export const ServerReflectionV1Alpha = reflectionV1Alpha.service;

const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

/**
 * The handler of ServerReflectionInfo for `served` (the reflection services are added to the list). Each
 * stream sends a file once: files the client already has from an earlier answer are left out, as
 * grpc-go does.
 */
export function reflectionHandler(api: ReflectionApi, served: readonly ServiceLike[]) {
  const all = [...served, ServerReflectionV1, ServerReflectionV1Alpha];
  let built: { files: Map<string, FileDescriptorProto>; symbols: Map<string, string> } | undefined;
  const descriptors = () => {
    if (built === undefined) {
      const files = fileDescriptors(all);
      built = { files, symbols: symbolIndex(files) };
    }
    return built;
  };
  return async function* serverReflectionInfo(requests: AsyncIterable<ServerReflectionRequest>): AsyncIterable<ServerReflectionResponse> {
    const sent = new Set<string>();
    const error = (errorCode: number, errorMessage: string) =>
      ({ case: 'errorResponse', value: new api.ErrorResponse({ errorCode, errorMessage }) }) as const;
    const filesFrom = (name: string): ServerReflectionResponse['messageResponse'] => {
      const { files } = descriptors();
      const chain = withDependencies(files, name);
      // The file asked for is always sent, even if this stream sent it before; its dependencies only once.
      const wanted = chain.filter((f) => f.name === name || !sent.has(f.name ?? ''));
      for (const f of wanted) sent.add(f.name ?? '');
      return {
        case: 'fileDescriptorResponse',
        value: new api.FileDescriptorResponse({ fileDescriptorProto: wanted.map((f) => f.toBinary()) }),
      };
    };
    for await (const request of requests) {
      const { files, symbols } = descriptors();
      const ask = request.messageRequest;
      let answer: ServerReflectionResponse['messageResponse'];
      switch (ask.case) {
        case 'listServices':
          answer = {
            case: 'listServicesResponse',
            value: new api.ListServiceResponse({ service: all.map((s) => new api.ServiceResponse({ name: s.typeName })) }),
          };
          break;
        case 'fileByFilename':
          answer = files.has(ask.value) ? filesFrom(ask.value) : error(NOT_FOUND, `unknown file ${ask.value}`);
          break;
        case 'fileContainingSymbol': {
          const file = symbols.get(ask.value.replace(/^\./, ''));
          answer = file === undefined ? error(NOT_FOUND, `unknown symbol ${ask.value}`) : filesFrom(file);
          break;
        }
        case 'allExtensionNumbersOfType':
          answer = symbols.has(ask.value)
            ? {
                case: 'allExtensionNumbersResponse',
                value: new api.ExtensionNumberResponse({ baseTypeName: ask.value, extensionNumber: [] }),
              }
            : error(NOT_FOUND, `unknown type ${ask.value}`);
          break;
        case 'fileContainingExtension':
          answer = error(NOT_FOUND, `no extension ${ask.value.extensionNumber} of ${ask.value.containingType}`);
          break;
        default:
          answer = error(UNIMPLEMENTED, 'unknown reflection request');
      }
      yield new api.ServerReflectionResponse({ validHost: request.host, originalRequest: request, messageResponse: answer });
    }
  };
}
