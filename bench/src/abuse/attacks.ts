/**
 * The attacks of the abuse benchmark, each a loop that keeps its pressure up until stopped: connections
 * that send nothing, headers trickled byte by byte, 30 MB bodies without a token, wrong passwords. Each
 * comes from its own loopback addresses (127.0.0.x), as an attacker's would, so the legitimate probes
 * from 127.0.0.1 are not caught by the per-address limits aimed at the attacker.
 */
import http from 'node:http';
import net from 'node:net';

export interface AttackCounters {
  idleOpened: number;
  idleClosedByServer: number;
  slowlorisOpened: number;
  slowlorisClosedByServer: number;
  bigBodies: number;
  /** Bytes the senders managed to push before the server answered, summed. */
  bigBodyBytesSent: number;
  bigBodyStatuses: Record<string, number>;
  passwordTries: number;
  passwordOutcomes: Record<string, number>;
}

export interface Attack {
  readonly counters: AttackCounters;
  stop(): Promise<void>;
}

export interface AttackPlan {
  readonly idleSockets: number;
  readonly slowloris: number;
  readonly bigBodySenders: number;
  readonly bigBodyBytes: number;
  readonly passwordLoops: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startAttacks(port: number, plan: AttackPlan): Attack {
  const counters: AttackCounters = {
    idleOpened: 0,
    idleClosedByServer: 0,
    slowlorisOpened: 0,
    slowlorisClosedByServer: 0,
    bigBodies: 0,
    bigBodyBytesSent: 0,
    bigBodyStatuses: {},
    passwordTries: 0,
    passwordOutcomes: {},
  };
  let running = true;
  const sockets = new Set<net.Socket>();
  const loops: Promise<void>[] = [];

  /** Keeps one connection of a kind open: when the server closes it, opens the next. */
  async function holdConnection(localAddress: string, onOpen: (s: net.Socket) => void, opened: () => void, closed: () => void) {
    while (running) {
      await new Promise<void>((resolve) => {
        const socket = net.connect({ port, host: '127.0.0.1', localAddress });
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.once('connect', () => {
          opened();
          onOpen(socket);
        });
        socket.once('close', () => {
          sockets.delete(socket);
          if (running) closed();
          resolve();
        });
      });
      if (running) await sleep(50);
    }
  }

  for (let i = 0; i < plan.idleSockets; i++) {
    loops.push(
      holdConnection(
        `127.0.0.${10 + (i % 3)}`,
        () => undefined,
        () => counters.idleOpened++,
        () => counters.idleClosedByServer++,
      ),
    );
  }

  for (let i = 0; i < plan.slowloris; i++) {
    loops.push(
      holdConnection(
        '127.0.0.20',
        (socket) => {
          socket.write('POST /viam.app.v1.AppService/GetOrganization HTTP/1.1\r\nHost: hangar\r\n');
          const drip = setInterval(() => {
            if (socket.destroyed) clearInterval(drip);
            else socket.write('X-Slow: 1\r\n');
          }, 1000);
          socket.once('close', () => clearInterval(drip));
        },
        () => counters.slowlorisOpened++,
        () => counters.slowlorisClosedByServer++,
      ),
    );
  }

  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let i = 0; i < plan.bigBodySenders; i++) {
    const localAddress = `127.0.0.${30 + i}`;
    loops.push(
      (async () => {
        while (running) {
          await new Promise<void>((resolve) => {
            let sent = 0;
            let answered = false;
            const req = http.request({
              host: '127.0.0.1',
              port,
              method: 'POST',
              path: '/viam.app.v1.AppService/GetOrganization',
              localAddress,
              agent: false,
              headers: { 'content-type': 'application/proto', 'content-length': String(plan.bigBodyBytes) },
            });
            const finish = (status: string) => {
              if (answered) return;
              answered = true;
              counters.bigBodies++;
              counters.bigBodyBytesSent += sent;
              counters.bigBodyStatuses[status] = (counters.bigBodyStatuses[status] ?? 0) + 1;
              req.destroy();
              resolve();
            };
            req.on('response', (res) => {
              res.resume();
              finish(String(res.statusCode));
            });
            req.on('error', () => finish('reset'));
            const pump = () => {
              while (running && !answered && sent < plan.bigBodyBytes) {
                sent += chunk.length;
                if (!req.write(chunk)) {
                  req.once('drain', pump);
                  return;
                }
              }
              if (sent >= plan.bigBodyBytes) req.end();
            };
            pump();
          });
        }
      })(),
    );
  }

  const agents = Array.from({ length: 8 }, () => new http.Agent({ keepAlive: true, maxSockets: 16 }));
  for (let i = 0; i < plan.passwordLoops; i++) {
    const localAddress = `127.0.0.${40 + (i % 8)}`;
    const agent = agents[i % 8];
    loops.push(
      (async () => {
        for (let n = 0; running; n++) {
          const body = JSON.stringify({
            entity: `victim-${i}-${n % 50}@example.com`,
            credentials: { type: 'password', payload: `guess-${n}` },
          });
          const outcome = await new Promise<string>((resolve) => {
            const req = http.request(
              {
                host: '127.0.0.1',
                port,
                method: 'POST',
                path: '/proto.rpc.v1.AuthService/Authenticate',
                localAddress,
                agent,
                headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
              },
              (res) => {
                let text = '';
                res.setEncoding('utf8').on('data', (d: string) => (text += d));
                res.on('end', () => resolve(/"code":"(\w+)"/.exec(text)?.[1] ?? String(res.statusCode)));
              },
            );
            req.on('error', () => resolve('error'));
            req.end(body);
          });
          counters.passwordTries++;
          counters.passwordOutcomes[outcome] = (counters.passwordOutcomes[outcome] ?? 0) + 1;
          // A throttled attacker keeps trying, a little less eagerly.
          if (outcome === 'resource_exhausted') await sleep(20);
        }
      })(),
    );
  }

  return {
    counters,
    async stop() {
      running = false;
      for (const socket of sockets) socket.destroy();
      await Promise.all(loops);
      for (const agent of agents) agent.destroy();
    },
  };
}
