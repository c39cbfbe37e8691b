// hangar.account.v1.AccountService: what a signed-in user can do to their own account that Viam's public
// API has no call for (Viam delegates it to its identity provider). Declared here field by field, like
// proto.rpc.v1.AuthService in auth.ts.
import { MethodKind, proto3, ScalarType, type Message } from '@bufbuild/protobuf';

export interface ChangePasswordRequest extends Message<ChangePasswordRequest> {
  currentPassword: string;
  newPassword: string;
}
export const ChangePasswordRequest = proto3.makeMessageType<ChangePasswordRequest>('hangar.account.v1.ChangePasswordRequest', [
  { no: 1, name: 'current_password', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'new_password', kind: 'scalar', T: ScalarType.STRING },
]);

export interface ChangePasswordResponse extends Message<ChangePasswordResponse> {
  /** A token minted after the change: every earlier token of the user stops working. */
  accessToken: string;
}
export const ChangePasswordResponse = proto3.makeMessageType<ChangePasswordResponse>('hangar.account.v1.ChangePasswordResponse', [
  { no: 1, name: 'access_token', kind: 'scalar', T: ScalarType.STRING },
]);

export type LogOutEverywhereRequest = Message<LogOutEverywhereRequest>;
export const LogOutEverywhereRequest = proto3.makeMessageType<LogOutEverywhereRequest>('hangar.account.v1.LogOutEverywhereRequest', []);

export type LogOutEverywhereResponse = Message<LogOutEverywhereResponse>;
export const LogOutEverywhereResponse = proto3.makeMessageType<LogOutEverywhereResponse>('hangar.account.v1.LogOutEverywhereResponse', []);

export const AccountService = {
  typeName: 'hangar.account.v1.AccountService',
  methods: {
    changePassword: { name: 'ChangePassword', I: ChangePasswordRequest, O: ChangePasswordResponse, kind: MethodKind.Unary },
    logOutEverywhere: { name: 'LogOutEverywhere', I: LogOutEverywhereRequest, O: LogOutEverywhereResponse, kind: MethodKind.Unary },
  },
} as const;
