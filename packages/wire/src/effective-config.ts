// hangar.config.v1.EffectiveConfigService: a part's config merged with its fragments, as the part's machine
// receives it from RobotService.Config. Viam's AppService has no call for it; `hangar robots part config get
// --effective` uses this one.
import { MethodKind, proto3, ScalarType, Struct, type Message } from '@bufbuild/protobuf';

export interface GetEffectiveConfigRequest extends Message<GetEffectiveConfigRequest> {
  partId: string;
}
export const GetEffectiveConfigRequest = proto3.makeMessageType<GetEffectiveConfigRequest>('hangar.config.v1.GetEffectiveConfigRequest', [
  { no: 1, name: 'part_id', kind: 'scalar', T: ScalarType.STRING },
]);

export interface ResolvedFragmentInfo extends Message<ResolvedFragmentInfo> {
  id: string;
  name: string;
  revision: string;
}
export const ResolvedFragmentInfo = proto3.makeMessageType<ResolvedFragmentInfo>('hangar.config.v1.ResolvedFragmentInfo', [
  { no: 1, name: 'id', kind: 'scalar', T: ScalarType.STRING },
  { no: 2, name: 'name', kind: 'scalar', T: ScalarType.STRING },
  { no: 3, name: 'revision', kind: 'scalar', T: ScalarType.STRING },
]);

export interface GetEffectiveConfigResponse extends Message<GetEffectiveConfigResponse> {
  config?: Struct;
  revision: string;
  fragments: ResolvedFragmentInfo[];
}
export const GetEffectiveConfigResponse = proto3.makeMessageType<GetEffectiveConfigResponse>(
  'hangar.config.v1.GetEffectiveConfigResponse',
  [
    { no: 1, name: 'config', kind: 'message', T: Struct },
    { no: 2, name: 'revision', kind: 'scalar', T: ScalarType.STRING },
    { no: 3, name: 'fragments', kind: 'message', T: ResolvedFragmentInfo, repeated: true },
  ],
);

export const EffectiveConfigService = {
  typeName: 'hangar.config.v1.EffectiveConfigService',
  methods: {
    getEffectiveConfig: { name: 'GetEffectiveConfig', I: GetEffectiveConfigRequest, O: GetEffectiveConfigResponse, kind: MethodKind.Unary },
  },
} as const;
