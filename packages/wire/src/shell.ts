// viam.service.shell.v1.ShellService (viamrobotics/api service/shell/v1/shell.proto). The SDK ships the
// generated types but does not export them, so the messages the shell uses are declared here, field for
// field. The file-copy calls of the same service are not served by hangar agent and are left out.
import { MethodKind, proto3, ScalarType, Struct, type Message } from '@bufbuild/protobuf';

export interface ShellRequest extends Message<ShellRequest> {
  name: string;
  dataIn: string;
  extra?: Struct;
}
export const ShellRequest = proto3.makeMessageType<ShellRequest>('viam.service.shell.v1.ShellRequest', [
  { no: 1, name: 'name', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'data_in', kind: 'scalar', T: ScalarType.STRING },
  { no: 99, name: 'extra', kind: 'message', T: Struct },
]);

export interface ShellResponse extends Message<ShellResponse> {
  dataOut: string;
  dataErr: string;
  eof: boolean;
}
export const ShellResponse = proto3.makeMessageType<ShellResponse>('viam.service.shell.v1.ShellResponse', [
  { no: 1, name: 'data_out', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'data_err', kind: 'scalar', T: ScalarType.STRING },
  { no: 3, name: 'eof', kind: 'scalar', T: ScalarType.BOOL },
]);

export const ShellService = {
  typeName: 'viam.service.shell.v1.ShellService',
  methods: {
    shell: { name: 'Shell', I: ShellRequest, O: ShellResponse, kind: MethodKind.BiDiStreaming },
  },
} as const;

/** The API a config's service must have for a machine to offer its shell (as viam-server requires). */
export const SHELL_API = 'rdk:service:shell';
/**
 * The remote shell's exit status, in the Shell stream's trailers: the protocol's messages have no field
 * for it. A shell ended by a signal reports 128 + the signal's number, as POSIX shells do.
 */
export const EXIT_STATUS_TRAILER = 'hangar-exit-status';
