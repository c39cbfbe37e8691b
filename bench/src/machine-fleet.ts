/** Machines for the agent benchmarks: `count` parts with a config, each with its own machine token (robot-secret). */
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import type { JsonObject } from '@bufbuild/protobuf';
import type { AppClient } from '@hangar/sdk';
import { AuthService } from '@hangar/wire';

export interface FleetMachine {
  readonly partId: string;
  readonly token: string;
  readonly headers: { readonly authorization: string };
}

const CONCURRENCY = 16;

export async function createFleet(
  admin: AppClient,
  serverUrl: string,
  organizationId: string,
  count: number,
  config: JsonObject,
): Promise<FleetMachine[]> {
  const location = await admin.createLocation(organizationId, `Fleet of ${count}`);
  const auth = createClient(AuthService, createGrpcTransport({ baseUrl: serverUrl, httpVersion: '2' }));
  const machines: FleetMachine[] = [];
  for (let i = 0; i < count; i += CONCURRENCY) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, count - i) }, async (_, j) => {
        const robotId = await admin.newRobot(`machine-${i + j}`, location.id);
        const [listed] = await admin.getRobotParts(robotId);
        if (listed === undefined) throw new Error('a new machine has no main part');
        await admin.updateRobotPart(listed.id, listed.name, config);
        const part = await admin.getRobotPart(listed.id);
        const { accessToken } = await auth.authenticate({ entity: part.id, credentials: { type: 'robot-secret', payload: part.secret } });
        return { partId: part.id, token: accessToken, headers: { authorization: `Bearer ${accessToken}` } };
      }),
    );
    machines.push(...batch);
  }
  return machines;
}
