import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRegistryFromDescriptors, FileDescriptorSet, Struct, type MessageType, type MethodInfo } from '@bufbuild/protobuf';
import { appRobotApi, robotApi } from '@viamrobotics/sdk';
import { fileDescriptors, symbolIndex, withDependencies } from './descriptors.js';
import { AppService, MachineRobotService, RobotService } from './gen/services.js';
import { ServerReflectionV1 } from './reflection.js';
import { ShellService } from './shell.js';

const services = [AppService, RobotService, MachineRobotService, ShellService, ServerReflectionV1];

/** A registry built from the rebuilt descriptors the way a reflection client builds one. */
function registry() {
  const files = fileDescriptors(services);
  return createRegistryFromDescriptors(new FileDescriptorSet({ file: withDependencies(files, ...files.keys()) }));
}

function roundTrip(type: MessageType, message: InstanceType<MessageType>): unknown {
  const dynamic = registry().findMessage(type.typeName);
  assert.ok(dynamic, `${type.typeName} is described`);
  return dynamic.fromBinary(message.toBinary()).toJson();
}

describe('descriptors rebuilt from message classes', () => {
  it('link into a registry with every service and method', () => {
    const r = registry();
    for (const service of services) {
      const found = r.findService(service.typeName);
      assert.ok(found, service.typeName);
      assert.deepEqual(
        Object.values(found.methods as Record<string, MethodInfo>).map((m) => [m.name, m.I.typeName, m.O.typeName, m.kind]),
        Object.values(service.methods as Record<string, MethodInfo>).map((m) => [m.name, m.I.typeName, m.O.typeName, m.kind]),
      );
    }
  });

  it('decode what the original classes encode: nested enums, maps, oneofs, optional fields, well-known types', () => {
    const status = new robotApi.GetMachineStatusResponse({
      state: robotApi.GetMachineStatusResponse_State.RUNNING,
      config: new robotApi.ConfigStatus({ revision: 'abc' }),
      resources: [new robotApi.ResourceStatus({ name: { namespace: 'rdk', type: 'component', subtype: 'motor', name: 'm' } })],
    });
    assert.deepEqual(roundTrip(robotApi.GetMachineStatusResponse, status), status.toJson());
    const config = new appRobotApi.RobotConfig({
      components: [
        new appRobotApi.ComponentConfig({
          name: 'm',
          api: 'rdk:component:motor',
          attributes: Struct.fromJson({ pins: { a: 1 }, on: true }),
        }),
      ],
      processes: [new appRobotApi.ProcessConfig({ id: 'p', name: 'echo', env: { A: 'b' }, oneShot: true })],
      disablePartialStart: true,
      network: new appRobotApi.NetworkConfig({ fqdn: 'x.local' }),
    });
    assert.deepEqual(roundTrip(appRobotApi.RobotConfig, config), config.toJson());
  });

  it('index every symbol and list dependencies before the files that need them', () => {
    const files = fileDescriptors(services);
    const symbols = symbolIndex(files);
    assert.equal(symbols.get('viam.robot.v1.RobotService.GetMachineStatus'), 'viam/robot/v1.proto');
    assert.equal(symbols.get('viam.robot.v1.GetMachineStatusResponse.State'), 'viam/robot/v1.proto');
    assert.equal(symbols.get('google.protobuf.Struct'), 'google/protobuf/struct.proto');
    const chain = withDependencies(files, 'viam/robot/v1.proto').map((f) => f.name);
    assert.equal(chain.at(-1), 'viam/robot/v1.proto');
    for (const [i, name] of chain.entries()) {
      for (const dep of files.get(name!)!.dependency) assert.ok(chain.indexOf(dep) < i, `${dep} before ${name}`);
    }
  });
});
