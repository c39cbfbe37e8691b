// proto.rpc.v1.AuthService (viamrobotics/goutils proto/rpc/v1/auth.proto). The SDK uses these messages
// internally but does not export them, so they are declared here, field for field.
import { MethodKind, proto3, ScalarType, type Message, type PartialMessage } from '@bufbuild/protobuf';

export interface Credentials extends Message<Credentials> {
  type: string;
  payload: string;
}
export const Credentials = proto3.makeMessageType<Credentials>('proto.rpc.v1.Credentials', [
  { no: 1, name: 'type', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'payload', kind: 'scalar', T: ScalarType.STRING },
]);

export interface AuthenticateRequest extends Message<AuthenticateRequest> {
  entity: string;
  credentials?: Credentials;
}
export const AuthenticateRequest = proto3.makeMessageType<AuthenticateRequest>('proto.rpc.v1.AuthenticateRequest', [
  { no: 1, name: 'entity', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'credentials', kind: 'message', T: Credentials },
]);

export interface AuthenticateResponse extends Message<AuthenticateResponse> {
  accessToken: string;
}
export const AuthenticateResponse = proto3.makeMessageType<AuthenticateResponse>('proto.rpc.v1.AuthenticateResponse', [
  { no: 1, name: 'access_token', kind: 'scalar', T: ScalarType.STRING },
]);

export type AuthenticateRequestInit = PartialMessage<AuthenticateRequest>;

export const AuthService = {
  typeName: 'proto.rpc.v1.AuthService',
  methods: {
    authenticate: { name: 'Authenticate', I: AuthenticateRequest, O: AuthenticateResponse, kind: MethodKind.Unary },
  },
} as const;

/** Credential types Hangar accepts in AuthenticateRequest.credentials.type. */
export const CREDENTIAL_API_KEY = 'api-key';
export const CREDENTIAL_PASSWORD = 'password';
