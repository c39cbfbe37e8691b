/**
 * `hangar agent` as a real child process against the real server: it connects with the file `robots part
 * setup` wrote, shows online, picks up a config change within a poll, runs the config's process and ships
 * its output, restarts it on `robots part restart`, and — cut off from the server and killed — ships what it
 * spooled exactly once when it is back.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { AppClient } from '@hangar/sdk';
import { startAgent, waitFor } from '../agent-process.js';
import { newMachine } from '../fleet.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { loginWithKey, unique } from './helpers.js';

/** A TCP relay to the server that a test can cut (as a network outage would) and restore. */
async function relay(targetPort: number) {
  const sockets = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    /** Stops carrying the machine's bytes at once (so nothing half-sent is stored), then drops the links. */
    async cut(): Promise<void> {
      cut = true;
      for (const s of sockets) if (s.remotePort !== targetPort) s.unpipe();
      await new Promise((r) => setTimeout(r, 1500));
      for (const s of sockets) s.destroy();
    },
    restore(): void {
      cut = false;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The part's log messages from `logger`, oldest first. */
async function messagesOf(client: AppClient, partId: string, logger: string): Promise<string[]> {
  const entries = await client.getRobotPartLogs(partId, { numLogEntries: 0 });
  return entries
    .filter((e) => e.loggerName === logger)
    .map((e) => e.message)
    .reverse();
}

/** Ticks per process run: `tick <pid> <n>` lines, grouped by pid. */
function ticksByPid(messages: readonly string[]): Map<string, number[]> {
  const runs = new Map<string, number[]>();
  for (const m of messages) {
    const match = /^tick (\d+) (\d+)$/.exec(m);
    if (match?.[1] === undefined || match[2] === undefined) continue;
    runs.set(match[1], [...(runs.get(match[1]) ?? []), Number(match[2])]);
  }
  return runs;
}

await describeEngines('hangar agent', (server) => {
  it('connects, runs the config’s processes and ships their output, restarts them when told, and spools logs through an outage exactly once', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Agent'));
    const { mainPart } = await newMachine(a.owner, a.location.id, 'agent-bot');
    const cli = await loginWithKey(s, a.ownerKey);
    const dir = await mkdtemp(join(tmpdir(), 'hangar-agent-'));
    const net1 = await relay(s.port);
    const configPath = join(dir, 'viam.json');
    const setup = await cli(['robots', 'part', 'setup', '--part-id', mainPart.id, '--output', configPath]);
    assert.equal(setup.code, 0, setup.stderr);
    // The machine reaches the server through a link the test can cut.
    const file = JSON.parse(await readFile(configPath, 'utf8')) as { cloud: Record<string, string> };
    await writeFile(configPath, JSON.stringify({ cloud: { ...file.cloud, app_address: net1.url } }), { mode: 0o600 });

    let agent = startAgent(configPath, join(dir, 'data'));
    try {
      await waitFor('the part to show online', async () =>
        (await a.owner.getRobotPart(mainPart.id)).proto.onlineState.valueOf() === 1 ? true : undefined,
      );
      const status = await cli(['robots', 'part', 'status', '--part-id', mainPart.id, '--json']);
      assert.equal(status.json<{ part: { status: string } }>().part.status, 'online');

      // A process added to the config reaches the agent within a poll; its output becomes log entries.
      await a.owner.updateRobotPart(mainPart.id, 'agent-bot-main', {
        processes: [
          { id: 'ticker', name: '/bin/sh', args: ['-c', 'i=0; while true; do i=$((i+1)); echo "tick $$ $i"; sleep 0.1; done'], log: true },
        ],
      });
      const firstRun = await waitFor('ticks from the process', async () => {
        const runs = ticksByPid(await messagesOf(a.owner, mainPart.id, 'ticker'));
        return runs.size === 1 && [...runs.values()][0]!.length >= 3 ? [...runs.keys()][0] : undefined;
      });
      assert.ok((await messagesOf(a.owner, mainPart.id, 'hangar.agent')).some((m) => m.startsWith('started process ticker')));

      // robots part restart: the agent hears it at its next NeedsRestart and restarts the process.
      const restart = await cli(['robots', 'part', 'restart', '--part-id', mainPart.id]);
      assert.equal(restart.code, 0, restart.stderr);
      await waitFor('a second run of the process', async () => {
        const runs = ticksByPid(await messagesOf(a.owner, mainPart.id, 'ticker'));
        return [...runs.keys()].some((pid) => pid !== firstRun) ? true : undefined;
      });
      const taken = await cli(['robots', 'part', 'status', '--part-id', mainPart.id, '--json']);
      assert.equal(taken.json<{ restartPending: boolean }>().restartPending, false, 'the agent took the restart');

      // Cut off from the server, the agent keeps its process running and spools its output; killed then,
      // it loses nothing: started again with the link back, it sends the spool, and nothing twice.
      await net1.cut();
      await waitFor('the agent to notice the outage', () => Promise.resolve(agent.stderr().includes('cannot reach') ? true : undefined));
      await new Promise((r) => setTimeout(r, 1500));
      agent.child.kill('SIGKILL');
      await agent.exited;
      const before = ticksByPid(await messagesOf(a.owner, mainPart.id, 'ticker'));
      s.clock.advance(60_000);
      assert.equal((await a.owner.getRobotPart(mainPart.id)).proto.onlineState, 2, 'offline once its last access is old');

      net1.restore();
      agent = startAgent(configPath, join(dir, 'data'));
      await waitFor('the part to show online again', async () =>
        (await a.owner.getRobotPart(mainPart.id)).proto.onlineState.valueOf() === 1 ? true : undefined,
      );
      const after = await waitFor('the spooled ticks', async () => {
        const runs = ticksByPid(await messagesOf(a.owner, mainPart.id, 'ticker'));
        const grew = [...before].some(([pid, ticks]) => (runs.get(pid)?.length ?? 0) > ticks.length + 5);
        return grew ? runs : undefined;
      });
      for (const [pid, ticks] of after) {
        const sorted = [...ticks].sort((x, y) => x - y);
        assert.equal(new Set(ticks).size, ticks.length, `run ${pid}: no tick twice`);
        if (before.has(pid))
          assert.deepEqual(
            sorted,
            Array.from({ length: sorted.length }, (_, i) => i + 1),
            `run ${pid}: no tick lost`,
          );
      }
    } finally {
      try {
        await agent.stop();
      } finally {
        await net1.close();
      }
    }
    assert.match(agent.stderr(), /stopping: ending processes/);
  });
});
