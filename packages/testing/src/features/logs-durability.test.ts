/**
 * kill -9 in the middle of a sustained log ingest from several machines: after a restart on the same
 * database, every acknowledged entry is there (count and content), none twice, and each Log call is all
 * or nothing.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { AppClient, MachineClient } from '@hangar/sdk';
import { freshDatabase, type TestDatabase } from '../databases.js';
import { engineSkip, testEngines } from '../engines.js';
import { entry, machineKey } from '../machine-logs.js';
import { serverArgs, spawnServer, type ServerProcess } from '../server-process.js';

const MACHINES = 4;
const ENTRIES_PER_CALL = 50;

interface Admin {
  readonly apiKeyId: string;
  readonly apiKey: string;
}

for (const engine of testEngines()) {
  const skip = await engineSkip(engine);
  describe(`log durability [${engine}]`, { skip }, () => {
    const running: ServerProcess[] = [];
    let db: TestDatabase | undefined;
    after(async () => {
      for (const p of running) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await db?.drop();
    });

    it('keeps every acknowledged entry exactly once across a kill -9, and each call whole or not at all', async () => {
      db = await freshDatabase(engine);
      const first = await spawnServer(serverArgs(db));
      running.push(first);
      const admin = JSON.parse(await readFile(join(db.dataDir, 'initial-admin.json'), 'utf8')) as Admin;
      const owner = await AppClient.connect({ url: first.url, credentials: { type: 'api-key', keyId: admin.apiKeyId, key: admin.apiKey } });
      const org = await owner.createOrganization('Durable');
      const location = await owner.createLocation(org.id, 'Yard');
      const machines = [];
      for (let m = 0; m < MACHINES; m++) {
        const robotId = await owner.newRobot(`durable-${m}`, location.id);
        const part = (await owner.getRobotParts(robotId))[0];
        assert.ok(part);
        const key = await machineKey(owner, org.id, robotId);
        const client = await MachineClient.connect({ url: first.url, credentials: { type: 'api-key', keyId: key.id, key: key.key } });
        machines.push({ partId: part.id, client });
      }

      // Each machine logs call after call; a call's entries are `m<machine>-c<call>-<i>`.
      const acknowledged = new Map<string, number>();
      const attempted = new Set<string>();
      let stop = false;
      const loops = machines.map(async ({ partId, client }, m) => {
        for (let call = 0; !stop; call++) {
          const id = `m${m}-c${call}`;
          attempted.add(id);
          try {
            await client.log(
              partId,
              Array.from({ length: ENTRIES_PER_CALL }, (_, i) => entry({ message: `${id}-${i}`, fields: [{ machine: m, call, i }] })),
            );
            acknowledged.set(id, m);
          } catch {
            return;
          }
        }
      });
      // Let the ingest run, then kill the server without warning.
      while (acknowledged.size < 200) await new Promise((r) => setTimeout(r, 20));
      first.child.kill('SIGKILL');
      assert.equal((await first.exited).signal, 'SIGKILL');
      stop = true;
      await Promise.all(loops);
      assert.ok(acknowledged.size >= 200);

      const second = await spawnServer(serverArgs(db));
      running.push(second);
      const reader = await AppClient.connect({
        url: second.url,
        credentials: { type: 'api-key', keyId: admin.apiKeyId, key: admin.apiKey },
      });
      const stored = new Map<string, number>();
      for (const { partId } of machines) {
        for (const e of await reader.getRobotPartLogs(partId, { numLogEntries: 0 }))
          stored.set(e.message, (stored.get(e.message) ?? 0) + 1);
      }
      const twice = [...stored].filter(([, n]) => n > 1);
      assert.deepEqual(twice, [], 'no entry is stored twice');
      const lost = [...acknowledged.keys()].flatMap((id) =>
        Array.from({ length: ENTRIES_PER_CALL }, (_, i) => `${id}-${i}`).filter((msg) => !stored.has(msg)),
      );
      assert.deepEqual(lost, [], 'every acknowledged entry survived');
      // Calls that were never answered are whole or absent.
      for (const id of attempted) {
        const present = Array.from({ length: ENTRIES_PER_CALL }, (_, i) => stored.has(`${id}-${i}`)).filter(Boolean).length;
        assert.ok(present === 0 || present === ENTRIES_PER_CALL, `call ${id} is partly stored (${present} of ${ENTRIES_PER_CALL})`);
      }
      const entries = [...stored.keys()].filter((msg) => /^m\d-c\d+-\d+$/.test(msg)).length;
      assert.ok(entries >= acknowledged.size * ENTRIES_PER_CALL);
      // The content too, not only the count: one entry read back whole.
      const sample = (await reader.getRobotPartLogs(machines[0]?.partId ?? '', { filter: 'm0-c0-7', numLogEntries: 0 }))[0];
      assert.deepEqual(sample?.fields, [{ machine: 0, call: 0, i: 7 }]);
      second.child.kill('SIGTERM');
      assert.equal((await second.exited).code, 0);
    });
  });
}
