/**
 * The legitimate caller during the abuse benchmark, in a worker thread so the attackers' work in the main
 * thread does not delay its clock: every 25 ms a GET /healthz and an authorized GetOrganization, from
 * 127.0.0.1, each on its own kept-alive connection. Latencies are recorded per phase.
 */
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

interface ProbeData {
  readonly port: number;
  readonly token: string;
  readonly organizationId: string;
}

export interface ProbeReport {
  readonly healthzMs: number[];
  readonly getOrganizationMs: number[];
  readonly failures: number;
}

const { port, token, organizationId } = workerData as ProbeData;
const healthAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const rpcAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const body = JSON.stringify({ organizationId });

function timed(options: http.RequestOptions, payload?: string): Promise<number | undefined> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, localAddress: '127.0.0.1', timeout: 10_000, ...options }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200 ? performance.now() - started : undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end(payload);
  });
}

let report: ProbeReport = { healthzMs: [], getOrganizationMs: [], failures: 0 };
let running = true;

async function loop(probe: () => Promise<number | undefined>, into: () => number[]): Promise<void> {
  while (running) {
    const next = performance.now() + 25;
    const ms = await probe();
    if (ms === undefined) report = { ...report, failures: report.failures + 1 };
    else into().push(ms);
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
}

const loops = [
  loop(
    () => timed({ method: 'GET', path: '/healthz', agent: healthAgent }),
    () => report.healthzMs,
  ),
  loop(
    () =>
      timed(
        {
          method: 'POST',
          path: '/viam.app.v1.AppService/GetOrganization',
          agent: rpcAgent,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': String(body.length) },
        },
        body,
      ),
    () => report.getOrganizationMs,
  ),
];

parentPort?.on('message', (message: string) => {
  if (message === 'phase') {
    // Hand over what this phase measured and start the next one afresh.
    parentPort?.postMessage(report);
    report = { healthzMs: [], getOrganizationMs: [], failures: 0 };
  } else if (message === 'stop') {
    running = false;
    void Promise.all(loops).then(() => {
      parentPort?.postMessage(report);
      healthAgent.destroy();
      rpcAgent.destroy();
    });
  }
});
