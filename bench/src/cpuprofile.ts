/**
 * Where the time goes: summarises a V8 .cpuprofile (from `node --cpu-prof`) by component (our packages,
 * each dependency, Node's subsystems, GC) and by function. To profile one side of one scenario:
 *
 *   HANGAR_BENCH_FILTER=getorganization HANGAR_BENCH_ENGINES=sqlite HANGAR_BENCH_PROTOCOLS=connect \
 *   HANGAR_BENCH_TARGETS=hangar HANGAR_BENCH_RUNS=1 HANGAR_BENCH_SECONDS=10 \
 *     node --cpu-prof --cpu-prof-dir=/tmp/prof bench/dist/run.js
 *   node bench/dist/cpuprofile.js /tmp/prof/CPU.*.cpuprofile [top]
 *
 * Client and servers share the process, so compare a hangar-only profile with a baseline-only one, each
 * followed by "@" and the calls it covers (warm-up included; the report's runs and warmupCalls):
 *
 *   node bench/dist/cpuprofile.js /tmp/prof/baseline/CPU.*.cpuprofile@9000 /tmp/prof/hangar/CPU.*.cpuprofile@7000
 */
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const COMPONENTS: readonly (readonly [RegExp, string])[] = [
  [/\/packages\/server\//, 'hangar server'],
  [/\/packages\/store\//, 'hangar store'],
  [/\/packages\/domain\//, 'hangar domain'],
  [/\/packages\/(wire|testing|sdk)\//, 'hangar other'],
  [/\/bench\/dist\//, 'bench load generator'],
  [/node_modules\/kysely\//, 'kysely'],
  [/node_modules\/better-sqlite3\//, 'better-sqlite3'],
  [/node_modules\/(pg|pg-protocol|pg-pool|pg-types|pgpass|pg-connection-string|postgres-\w+)\//, 'pg driver'],
  [/node_modules\/@connectrpc\/connect-node\//, 'connect-node'],
  [/node_modules\/@connectrpc\/connect\//, 'connect'],
  [/node_modules\/@bufbuild\/protobuf\//, 'protobuf-es'],
  [/node_modules\/@viamrobotics\//, 'viam sdk'],
  [/node_modules\/pino/, 'pino'],
  [/node:internal\/(http2|.*http2)/, 'node http2'],
  [/node:(_http|http|internal\/http)/, 'node http1'],
  [/node:(internal\/)?(net|stream|streams|internal\/stream_base)/, 'node net/streams'],
  [/node:internal\/crypto|node:crypto/, 'node crypto'],
  [/node:(internal\/)?(zlib)/, 'node zlib'],
  [/node:internal\/(process\/task_queues|timers|async_hooks)|node:timers/, 'node scheduling'],
  [/node:/, 'node other'],
  [/node_modules\//, 'other dependency'],
];

function componentOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') {
    if (functionName.startsWith('(')) return functionName; // (garbage collector), (program), (idle)
    return 'native';
  }
  for (const [pattern, name] of COMPONENTS) if (pattern.test(url)) return name;
  return 'other';
}

interface Summary {
  readonly busyMs: number;
  readonly byComponent: ReadonlyMap<string, number>;
  readonly byFunction: ReadonlyMap<string, { ms: number; component: string }>;
}

function summarise(profile: Profile): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  // Native frames (no url) are charged to the nearest JS caller's component, so a better-sqlite3 `all()`
  // or a zlib call counts where it was made from.
  const charged = new Map<number, string>();
  const chargeOf = (id: number): string => {
    const cached = charged.get(id);
    if (cached !== undefined) return cached;
    const node = byId.get(id);
    let result = node === undefined ? 'other' : componentOf(node);
    if (result === 'native') {
      const up = parent.get(id);
      result = up === undefined ? 'native' : chargeOf(up);
      if (result.startsWith('(')) result = 'native';
    }
    charged.set(id, result);
    return result;
  };

  const selfByNode = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] ?? 0;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byComponent = new Map<string, number>();
  const byFunction = new Map<string, { ms: number; component: string }>();
  let busyMs = 0;
  for (const [id, micros] of selfByNode) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const component = chargeOf(id);
    if (component === '(idle)') continue;
    const ms = micros / 1000;
    busyMs += ms;
    byComponent.set(component, (byComponent.get(component) ?? 0) + ms);
    const where =
      node.callFrame.url === ''
        ? ''
        : ` ${node.callFrame.url.replace(/^.*\/(node_modules|packages|bench)\//, '$1/')}:${node.callFrame.lineNumber + 1}`;
    const key = `${node.callFrame.functionName || '(anonymous)'}${where}`;
    const entry = byFunction.get(key) ?? { ms: 0, component };
    entry.ms += ms;
    byFunction.set(key, entry);
  }
  return { busyMs, byComponent, byFunction };
}

function printOne(file: string, summary: Summary, top: number): void {
  const { busyMs, byComponent, byFunction } = summary;
  const pct = (ms: number) => `${((ms / busyMs) * 100).toFixed(1).padStart(5)}%`;
  process.stdout.write(`${file}\nbusy (not idle) ${busyMs.toFixed(0)} ms\n\nself time by component (share of busy time):\n`);
  for (const [name, ms] of [...byComponent].sort((a, b) => b[1] - a[1])) {
    process.stdout.write(`  ${pct(ms)}  ${ms.toFixed(0).padStart(7)} ms  ${name}\n`);
  }
  process.stdout.write(`\ntop ${top} functions by self time:\n`);
  for (const [name, { ms, component }] of [...byFunction].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
    process.stdout.write(`  ${pct(ms)}  ${ms.toFixed(0).padStart(7)} ms  [${component}] ${name}\n`);
  }
}

/** Side by side, in µs per call: the calls each profile covers follow its name after "@". */
function printComparison(inputs: readonly { label: string; calls: number; summary: Summary }[]): void {
  const components = new Set(inputs.flatMap((i) => [...i.summary.byComponent.keys()]));
  const perCall = (i: (typeof inputs)[number], ms: number) => (ms * 1000) / i.calls;
  const rows = [...components].map((c) => ({ c, values: inputs.map((i) => perCall(i, i.summary.byComponent.get(c) ?? 0)) }));
  const last = (r: { values: number[] }) => (r.values.at(-1) ?? 0) - (r.values[0] ?? 0);
  rows.sort((a, b) => last(b) - last(a));
  const width = 14;
  process.stdout.write(`µs per call by component${inputs.length === 2 ? ' (sorted by difference)' : ''}:\n`);
  process.stdout.write(
    `  ${'component'.padEnd(22)}${inputs.map((i) => i.label.slice(-width).padStart(width)).join('')}${inputs.length === 2 ? 'difference'.padStart(width) : ''}\n`,
  );
  const line = (name: string, values: number[]) =>
    `  ${name.padEnd(22)}${values.map((v) => v.toFixed(0).padStart(width)).join('')}${inputs.length === 2 ? ((values[1] ?? 0) - (values[0] ?? 0)).toFixed(0).padStart(width) : ''}\n`;
  for (const r of rows) if (r.values.some((v) => v >= 1)) process.stdout.write(line(r.c, r.values));
  process.stdout.write(
    line(
      'total busy',
      inputs.map((i) => perCall(i, i.summary.busyMs)),
    ),
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const files = args.filter((a) => !/^\d+$/.test(a));
  const top = Number(args.find((a) => /^\d+$/.test(a)) ?? 40);
  if (files.length === 0) {
    process.stderr.write(
      'usage: node bench/dist/cpuprofile.js <file.cpuprofile> [top]\n       node bench/dist/cpuprofile.js <a.cpuprofile@calls> <b.cpuprofile@calls>  (µs per call, side by side)\n',
    );
    process.exitCode = 2;
    return;
  }
  const inputs = await Promise.all(
    files.map(async (arg) => {
      const at = arg.lastIndexOf('@');
      const file = at > 0 ? arg.slice(0, at) : arg;
      const calls = at > 0 ? Number(arg.slice(at + 1)) : Number.NaN;
      return {
        label: file.replace(/\/[^/]*$/, '').replace(/^.*\//, ''),
        file,
        calls,
        summary: summarise(JSON.parse(await readFile(file, 'utf8')) as Profile),
      };
    }),
  );
  if (inputs.length === 1 || inputs.some((i) => !(i.calls > 0))) {
    for (const i of inputs) printOne(i.file, i.summary, top);
    return;
  }
  printComparison(inputs);
}

await main();
