import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { describe, it } from 'node:test';
import { keepTunnel, type TunnelOptions } from './tunnel.js';

/** A server that answers the tunnel's upgrade after `delayMs`, and counts the tunnels the agent still holds open. */
async function tunnelServer(delayMs: number) {
  const upgraded: net.Socket[] = [];
  let open = 0;
  let requests = 0;
  const server = http.createServer();
  server.on('upgrade', (_req, socket: net.Socket) => {
    requests++;
    let ended = false;
    // The agent's end closing shows here as the end of what it sends.
    socket.once('end', () => (ended = true));
    socket.resume();
    setTimeout(() => {
      if (socket.destroyed) return;
      socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: hangar-tunnel/1\r\n\r\n');
      upgraded.push(socket);
      if (ended) return;
      open++;
      socket.once('end', () => open--);
    }, delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    openTunnels: () => open,
    requests: () => requests,
    close: async () => {
      server.closeAllConnections();
      for (const s of upgraded) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function options(appAddress: string, notes: string[]): TunnelOptions {
  return {
    appAddress,
    token: () => 'token',
    renewToken: () => Promise.resolve(),
    handler: (_req, res) => res.end(),
    note: (_level, message) => notes.push(message),
  };
}

/** Resolves with what `keepTunnel` did, or rejects if it is still running after `ms`. */
function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} was still running ${ms} ms after the stop`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `keepTunnel` against `server`, stops it once `ready` holds, and waits for it to return; what it noted. */
async function stopWhen(server: { url: string }, ready: (notes: readonly string[]) => boolean): Promise<string[]> {
  const notes: string[] = [];
  const stop = new AbortController();
  const running = keepTunnel(options(server.url, notes), stop.signal);
  while (!ready(notes)) await new Promise((r) => setTimeout(r, 5));
  stop.abort();
  await settlesWithin(running, 5_000, 'the tunnel');
  return notes;
}

describe('keepTunnel', () => {
  it('returns when stopped while its upgrade is still on its way, leaving no socket open', async () => {
    const server = await tunnelServer(300);
    try {
      const notes = await stopWhen(server, () => server.requests() > 0);
      // The server's late answer must find the agent's end already gone.
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(server.openTunnels(), 0, 'no tunnel is left open');
      assert.ok(!notes.some((n) => n.includes('cannot open')), `a stop is not a failure: ${notes.join('; ')}`);
    } finally {
      await server.close();
    }
  });

  it('closes an open tunnel when stopped', async () => {
    const server = await tunnelServer(0);
    try {
      const notes = await stopWhen(server, (seen) => seen.includes('remote access tunnel open'));
      assert.deepEqual(notes, ['remote access tunnel open']);
    } finally {
      await server.close();
    }
  });
});
