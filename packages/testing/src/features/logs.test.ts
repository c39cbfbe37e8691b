/**
 * Machine logs end to end: RobotService.Log from a machine's key, GetRobotPartLogs and its filters and
 * pages, live tails, authorization, last access, queue limits, retention and metrics — through our SDK,
 * raw clients and the official @viamrobotics/sdk, on both engines.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { Timestamp, type PartialMessage } from '@bufbuild/protobuf';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { Code, commonApi, HangarError, type AppClient, type LogEntry, type MachineClient } from '@hangar/sdk';
import { AppService, appApi, RobotService } from '@hangar/wire';
import type http2 from 'node:http2';
import { grpcFrame, openH2 } from '../raw-http.js';
import { codeOf, hasCode } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { entry, machineClient, machineKey, tailReceived, metricValue, waitForTails } from '../machine-logs.js';
import { seedOrg, type SeededOrg } from '../seed.js';
import { startTestServer, type TestServer } from '../server.js';
import { describeEngines } from '../suite.js';
import { officialClient } from '../viam.js';

const NOW_US = Date.now() * 1000;
const SECOND = 1_000_000;

interface LoggingMachine {
  readonly a: SeededOrg;
  readonly robotId: string;
  readonly partId: string;
  readonly machine: MachineClient;
}

async function loggingMachine(s: TestServer, name: string, a?: SeededOrg): Promise<LoggingMachine> {
  const org = a ?? (await seedOrg(s));
  const { robotId, mainPart } = await newMachine(org.owner, org.location.id, name);
  const machine = await machineClient(s, await machineKey(org.owner, org.org.id, robotId));
  return { a: org, robotId, partId: mainPart.id, machine };
}

const json = (entries: readonly LogEntry[]) => entries.map((e) => e.proto.toJson());
const sentJson = (entries: readonly PartialMessage<commonApi.LogEntry>[]) => entries.map((e) => new commonApi.LogEntry(e).toJson());
const messages = (entries: readonly LogEntry[]) => entries.map((e) => e.message);

/** Collects a tail's entries until aborted. */
function collectTail(client: AppClient, partId: string, errorsOnly: boolean, filter?: string) {
  const abort = new AbortController();
  const got: LogEntry[] = [];
  const batches: number[] = [];
  const done = (async () => {
    for await (const batch of client.tailRobotPartLogs(partId, errorsOnly, filter, { signal: abort.signal })) {
      got.push(...batch);
      batches.push(batch.length);
    }
  })();
  return {
    got,
    batches,
    until: (n: number) => tailReceived(got, n),
    async stop(): Promise<void> {
      abort.abort();
      await done;
    },
    done,
  };
}

await describeEngines('machine logs', (server, engine) => {
  it('keeps every field of an entry as the machine sent it, newest first by the machine’s time', async () => {
    const s = server();
    const { a, partId, machine } = await loggingMachine(s, 'fields-bot');
    const sent = [
      entry({
        message: 'motor stalled: überlast',
        level: 'ERROR',
        timeUs: NOW_US - 3 * SECOND,
        extraNanos: 789,
        loggerName: 'rdk.resource_manager.rdk:component:motor/left',
        host: 'rover-7',
        stack: 'goroutine 1 [running]:\nmain.main()',
        fields: [{ attempt: 3, limits: { amps: 12.5 } }, { ok: false }],
      }),
      entry({ message: 'config reloaded', level: 'Info', timeUs: NOW_US - 1 * SECOND, caller: { File: 'a.go', Line: 7 } }),
      entry({ message: 'tick', level: 'debug', timeUs: NOW_US - 2 * SECOND, fields: [] }),
    ];
    await machine.log(partId, sent);
    const page = await a.operator.getRobotPartLogsPage(partId);
    // Like Viam's app, a page with entries always has a token (the official CLI relies on it); the next is empty.
    assert.notEqual(page.nextPageToken, '');
    const after = await a.operator.getRobotPartLogsPage(partId, { pageToken: page.nextPageToken });
    assert.deepEqual([after.logs.length, after.nextPageToken], [0, '']);
    // Newest first by the entry's own time, not by arrival.
    assert.deepEqual(json(page.logs), sentJson([sent[1], sent[2], sent[0]] as PartialMessage<commonApi.LogEntry>[]));
    const stalled = page.logs[2];
    assert.equal(stalled?.timestamp?.slice(-11), `.${String((NOW_US - 3 * SECOND) % SECOND).padStart(6, '0')}789Z`);
    assert.deepEqual(stalled.fields, [{ attempt: 3, limits: { amps: 12.5 } }, { ok: false }]);
  });

  it('refuses more than 1,000 entries in one call and stores none of them', async () => {
    const s = server();
    const { a, partId, machine } = await loggingMachine(s, 'too-many-bot');
    const many = Array.from({ length: 1001 }, (_, i) => entry({ message: `m${i}` }));
    await assert.rejects(machine.log(partId, many), hasCode(Code.InvalidArgument, 'at most 1000 entries, got 1001'));
    assert.deepEqual(await a.owner.getRobotPartLogs(partId), []);
    await machine.log(partId, many.slice(0, 1000));
    assert.equal((await a.owner.getRobotPartLogs(partId, { numLogEntries: 0 })).length, 1000);
  });

  it('stores a numbered batch once however often it comes (a retry after a lost answer), and an unnumbered one each time', async () => {
    const s = server();
    const { a, partId, machine } = await loggingMachine(s, 'numbered-bot');
    const stored = async () => messages(await a.owner.getRobotPartLogs(partId, { numLogEntries: 0 })).sort();
    const first = { stream: 'run0000000000001', seq: 1 };
    await machine.log(partId, [entry({ message: 'a' }), entry({ message: 'b' })], first);
    // Sent again (the answer was lost), even several times at once: answered, not stored again.
    await machine.log(partId, [entry({ message: 'a' }), entry({ message: 'b' })], first);
    await Promise.all(Array.from({ length: 5 }, () => machine.log(partId, [entry({ message: 'c' })], { ...first, seq: 2 })));
    assert.deepEqual(await stored(), ['a', 'b', 'c']);
    // A number at or below the stream's last is one stored before; another stream counts on its own.
    await machine.log(partId, [entry({ message: 'late' })], first);
    await machine.log(partId, [entry({ message: 'd' })], { stream: 'run0000000000002', seq: 1 });
    // Viam's clients number nothing: every call is stored.
    await machine.log(partId, [entry({ message: 'e' })]);
    await machine.log(partId, [entry({ message: 'e' })]);
    assert.deepEqual(await stored(), ['a', 'b', 'c', 'd', 'e', 'e']);
    for (const bad of [
      { stream: 'short', seq: 1 },
      { stream: 'run0000000000003', seq: 0 },
      { stream: 'run 0000000000003', seq: 1 },
    ]) {
      await assert.rejects(
        machine.log(partId, [entry({ message: 'bad' })], bad),
        hasCode(Code.InvalidArgument, 'hangar-log-batch must be'),
      );
    }
    assert.deepEqual(await stored(), ['a', 'b', 'c', 'd', 'e', 'e'], 'a malformed number stores nothing');
  });

  it('filters by level in any case, errors only, a message substring in any case and script, time range and source', async () => {
    const s = server();
    const { a, partId, machine } = await loggingMachine(s, 'filter-bot');
    const at = (i: number) => NOW_US - (10 - i) * SECOND;
    await machine.log(partId, [
      entry({ message: 'Battery LOW', level: 'WARN', timeUs: at(0), loggerName: 'rdk.power' }),
      entry({ message: 'battery ok', level: 'info', timeUs: at(1), loggerName: 'rdk.power.sensor' }),
      entry({ message: 'Straße gesperrt', level: 'error', timeUs: at(2), loggerName: 'rdk.navigation' }),
      entry({ message: 'panic: nil map', level: 'Panic', timeUs: at(3), loggerName: 'rdk.powerful' }),
      entry({ message: 'fatal: disk', level: 'FATAL', timeUs: at(4), loggerName: 'module.camera' }),
      entry({ message: '100% done_now', level: 'debug', timeUs: at(5), loggerName: 'module.camera.rgb' }),
    ]);
    const q = async (options: Parameters<AppClient['getRobotPartLogs']>[1]) => messages(await a.operator.getRobotPartLogs(partId, options));
    assert.deepEqual(await q({ logLevels: ['warn', 'INFO'] }), ['battery ok', 'Battery LOW']);
    assert.deepEqual(await q({ errorsOnly: true }), ['fatal: disk', 'panic: nil map', 'Straße gesperrt']);
    assert.deepEqual(await q({ errorsOnly: true, logLevels: ['info', 'fatal'] }), ['fatal: disk']);
    assert.deepEqual(await q({ errorsOnly: true, logLevels: ['info'] }), []);
    assert.deepEqual(await q({ filter: 'BATTERY' }), ['battery ok', 'Battery LOW']);
    assert.deepEqual(await q({ filter: 'STRASSE' }), [], 'a substring match, not a collation');
    assert.deepEqual(await q({ filter: 'STRAßE' }), ['Straße gesperrt']);
    // LIKE wildcards in a filter mean themselves.
    assert.deepEqual(await q({ filter: '100%' }), ['100% done_now']);
    assert.deepEqual(await q({ filter: '_' }), ['100% done_now']);
    assert.deepEqual(await q({ start: new Date((at(2) - 1) / 1000), end: new Date(at(4) / 1000) }), ['panic: nil map', 'Straße gesperrt']);
    assert.deepEqual(await q({ source: 'rdk.power' }), ['battery ok', 'Battery LOW'], 'a dotted prefix, not rdk.powerful');
    assert.deepEqual(await q({ source: 'module.camera', userFacingOnly: true }), ['fatal: disk']);
    // The official SDK's levels argument.
    const viam = await officialClient(s.url, a.operatorKey.id, a.operatorKey.key);
    const res = await viam.appClient.getRobotPartLogs(partId, 'battery', ['warn']);
    assert.deepEqual(
      res.logs.map((l) => l.message),
      ['Battery LOW'],
    );
  });

  it('pages by limit and token (at most 1,000 per page); the SDK gathers numLogEntries (0: all) and writes dest', async () => {
    const s = server();
    const { a, partId, machine } = await loggingMachine(s, 'paging-bot');
    const total = 2_345;
    for (let i = 0; i < total; i += 1000) {
      await machine.log(
        partId,
        Array.from({ length: Math.min(1000, total - i) }, (_, j) => entry({ message: `n${i + j}`, timeUs: NOW_US + (i + j) * 1000 })),
      );
    }
    const first = await a.owner.getRobotPartLogsPage(partId);
    assert.equal(first.logs.length, 100, 'the default page');
    assert.equal(first.logs[0]?.message, `n${total - 1}`);
    const big = await a.owner.getRobotPartLogsPage(partId, { limit: 5000 });
    assert.equal(big.logs.length, 1000, 'pages are cut at 1,000');
    const seen: string[] = [];
    let token = '';
    do {
      const page = await a.owner.getRobotPartLogsPage(partId, { limit: 700, pageToken: token });
      seen.push(...messages(page.logs));
      token = page.nextPageToken;
    } while (token !== '');
    assert.deepEqual(
      seen,
      Array.from({ length: total }, (_, i) => `n${total - 1 - i}`),
      'every entry once, newest first',
    );
    assert.equal((await a.owner.getRobotPartLogs(partId)).length, 100);
    assert.equal((await a.owner.getRobotPartLogs(partId, { numLogEntries: 1234 })).length, 1234);
    assert.equal((await a.owner.getRobotPartLogs(partId, { numLogEntries: 0 })).length, total);

    const dir = await mkdtemp(join(tmpdir(), 'hangar-logs-'));
    const dest = join(dir, 'part.log');
    const written = await a.owner.getRobotPartLogs(partId, { numLogEntries: 2, dest });
    const lines = (await readFile(dest, 'utf8')).split('\n');
    assert.deepEqual(
      lines.slice(0, 2),
      written.map((e) => `${e.timestamp ?? ''}\tINFO\trdk\t${'resource/manager.go:312'.padEnd(64)}${e.message}`),
    );
    assert.equal(lines[2], '');
  });

  it('rejects bad queries with INVALID_ARGUMENT, and unknown parts with NOT_FOUND', async () => {
    const s = server();
    const { a, partId } = await loggingMachine(s, 'bad-query-bot');
    const app = createClient(AppService, createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' }));
    const headers = { authorization: `Bearer ${a.owner.accessToken}` };
    const bad = async (req: PartialMessage<InstanceType<(typeof AppService)['methods']['getRobotPartLogs']['I']>>, text: string) =>
      assert.rejects(app.getRobotPartLogs({ id: partId, ...req }, { headers }), hasCode(Code.InvalidArgument, text));
    await bad({ pageToken: 'not-a-token!' }, 'page_token is not a token this server issued');
    await bad({ pageToken: Buffer.from('["x","1"]').toString('base64url') }, 'page_token is not a token this server issued');
    await bad({ limit: -1n }, 'limit must be 0');
    await bad({ start: Timestamp.fromDate(new Date(2000)), end: Timestamp.fromDate(new Date(1000)) }, 'end must not be before start');
    await bad({ filter: 'x'.repeat(1025) }, 'filter must be at most 1024 characters');
    await assert.rejects(app.getRobotPartLogs({ id: 'nope' }, { headers }), hasCode(Code.InvalidArgument));
    await assert.rejects(a.owner.getRobotPartLogs('00000000-0000-4000-8000-000000000000'), hasCode(Code.NotFound));
    const own = await machineClient(s, a.ownerKey);
    await assert.rejects(
      own.log(partId, [
        entry({ message: 'fine' }),
        { message: 'far future', time: new Timestamp({ seconds: 9_000_000_000_000n, nanos: 0 }) },
      ]),
      hasCode(Code.InvalidArgument, 'logs[1].time is out of range'),
    );
    assert.deepEqual(await a.owner.getRobotPartLogs(partId), [], 'nothing of a refused call is stored');
  });

  it('delivers new entries to tails as they commit, in the order logged, each once, honouring errors_only and filter', async () => {
    const s = server();
    const { a, partId, machine } = await loggingMachine(s, 'tail-bot');
    const other = await loggingMachine(s, 'quiet-bot', a);
    const all = collectTail(a.operator, partId, false);
    const errors = collectTail(a.operator, partId, true);
    const filtered = collectTail(a.owner, partId, false, 'GRIPPER');
    await waitForTails(s, 3);
    await machine.log(partId, [
      entry({ message: 'b second', timeUs: NOW_US + 2 }),
      entry({ message: 'a first gripper', timeUs: NOW_US + 1, level: 'error' }),
    ]);
    await other.machine.log(other.partId, [entry({ message: 'not this part', level: 'error' })]);
    await machine.log(partId, [entry({ message: 'c third', timeUs: NOW_US + 3, level: 'warn' })]);
    await all.until(3);
    await errors.until(1);
    await filtered.until(1);
    // Once the later call was answered its entries were committed and handed over: nothing more is due.
    assert.deepEqual(messages(all.got), ['a first gripper', 'b second', 'c third']);
    assert.deepEqual(messages(errors.got), ['a first gripper']);
    assert.deepEqual(messages(filtered.got), ['a first gripper']);
    assert.deepEqual(all.batches, [2, 1], 'one message per committed batch');
    await Promise.all([all.stop(), errors.stop(), filtered.stop()]);
    await waitForTails(s, 0);
  });

  it('frees a tail the moment its client goes away, even one that cannot cancel (the official TS SDK)', async () => {
    const s = server();
    const { a, partId, machine } = await loggingMachine(s, 'leaving-bot');
    const abort = new AbortController();
    const h2 = createClient(AppService, createGrpcTransport({ baseUrl: s.url, httpVersion: '2' }));
    const stream = h2.tailRobotPartLogs(
      { id: partId, errorsOnly: false },
      { signal: abort.signal, headers: { authorization: `Bearer ${a.owner.accessToken}` } },
    );
    const reading = (async () => {
      for await (const message of stream) assert.fail(`nothing was logged, yet the tail sent ${message.toJsonString()}`);
    })().catch((err: unknown) => codeOf(err));
    await waitForTails(s, 1);
    abort.abort();
    assert.equal(await reading, Code.Canceled);
    await waitForTails(s, 0);
    await machine.log(partId, [entry({ message: 'after the tail left' })]);
  });

  it('streams to the official TS SDK’s tail, which cannot cancel: the server ends it when it stops', async () => {
    // A server of its own: the tail stays open until that server stops.
    const s = await startTestServer(engine);
    const { a, partId, machine } = await loggingMachine(s, 'official-tail-bot');
    const viam = await officialClient(s.url, a.operatorKey.id, a.operatorKey.key);
    const queue: commonApi.LogEntry[] = [];
    const tail = viam.appClient.tailRobotPartLogs(partId, queue as never, undefined, false).then(
      () => 'ended',
      (err: unknown) => codeOf(err),
    );
    try {
      await waitForTails(s, 1);
      await machine.log(partId, [
        entry({ message: 'seen by the official SDK', timeUs: NOW_US }),
        entry({ message: 'and this', timeUs: NOW_US + 1 }),
      ]);
      await waitFor(() => Promise.resolve(queue.length >= 2));
      assert.deepEqual(
        queue.map((e) => e.message),
        ['seen by the official SDK', 'and this'],
      );
    } finally {
      await s.close();
    }
    assert.equal(await tail, Code.Unavailable);
  });

  it('lets the machine’s own key and owners write; operators read; other machines, other orgs and anonymous callers cannot', async () => {
    const s = server();
    const { a, robotId, partId, machine } = await loggingMachine(s, 'authz-bot');
    const sibling = await loggingMachine(s, 'sibling-bot', a);
    const ownerMachine = await machineClient(s, a.ownerKey);
    const operatorAsMachine = await machineClient(s, a.operatorKey);
    const robotOwnerKey = await machineKey(a.owner, a.org.id, robotId, 'owner');
    const outsider = await seedOrg(s);
    const outsiderMachine = await machineClient(s, outsider.ownerKey);
    const line = [entry({ message: 'hello' })];
    await machine.log(partId, line);
    await ownerMachine.log(partId, line);
    await (await machineClient(s, robotOwnerKey)).log(partId, line);
    await assert.rejects(operatorAsMachine.log(partId, line), hasCode(Code.PermissionDenied, 'write machine logs'));
    await assert.rejects(sibling.machine.log(partId, line), hasCode(Code.NotFound));
    await assert.rejects(outsiderMachine.log(partId, line), hasCode(Code.NotFound));
    // The machine's key reads its own logs (any role on the machine reads it); a sibling's key does not.
    assert.equal((await a.operator.getRobotPartLogs(partId)).length, 3);
    const siblingKey = await machineKey(a.owner, a.org.id, sibling.robotId);
    const siblingApp = await s.connect({ type: 'api-key', keyId: siblingKey.id, key: siblingKey.key });
    await assert.rejects(siblingApp.getRobotPartLogs(partId), hasCode(Code.NotFound));
    await assert.rejects(outsider.owner.getRobotPartLogs(partId), hasCode(Code.NotFound));
    const anonymous = createClient(RobotService, createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' }));
    await assert.rejects(anonymous.log({ id: partId, logs: line }), hasCode(Code.Unauthenticated));
    const anonymousApp = createClient(AppService, createConnectTransport({ baseUrl: s.url, httpVersion: '1.1' }));
    await assert.rejects(anonymousApp.getRobotPartLogs({ id: partId }), hasCode(Code.Unauthenticated));
  });

  it('moves the part’s last access with its logs, at most every few seconds', async () => {
    const s = server();
    const { a, partId, machine } = await loggingMachine(s, 'access-bot');
    assert.equal((await a.owner.getRobotPart(partId)).lastAccess, undefined);
    await machine.log(partId, [entry({ message: 'first' })]);
    const first = await waitForLastAccess(a.owner, partId, undefined);
    await machine.log(partId, [entry({ message: 'soon after' })]);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual((await a.owner.getRobotPart(partId)).lastAccess, first, 'not again within 5 s');
    s.clock.advance(6_000);
    await machine.log(partId, [entry({ message: 'later' })]);
    const later = await waitForLastAccess(a.owner, partId, first);
    assert.ok(later.getTime() - first.getTime() >= 6_000);
  });

  it('serves Prometheus metrics with calls, ingest and tails, and nothing secret', async () => {
    const s = server();
    const { a, partId, machine } = await loggingMachine(s, 'metrics-bot');
    const before = await metricValue(s, 'hangar_log_entries_ingested_total');
    await machine.log(partId, [entry({ message: 'one' }), entry({ message: 'two' })]);
    await a.owner.getRobotPartLogs(partId);
    assert.equal(await metricValue(s, 'hangar_log_entries_ingested_total'), before + 2);
    assert.ok((await metricValue(s, 'hangar_rpc_requests_total', { method: 'viam.app.v1.RobotService/Log', code: 'OK' })) >= 1);
    assert.ok((await metricValue(s, 'hangar_rpc_requests_total', { method: 'viam.app.v1.AppService/GetRobotPartLogs', code: 'OK' })) >= 1);
    await assert.rejects(a.owner.getRobotPartLogs('00000000-0000-4000-8000-000000000000'));
    assert.ok(
      (await metricValue(s, 'hangar_rpc_requests_total', { method: 'viam.app.v1.AppService/GetRobotPartLogs', code: 'NOT_FOUND' })) >= 1,
    );
    const res = await fetch(`${s.url}/metrics`);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const page = await res.text();
    assert.match(page, /^hangar_log_queue_entries 0$/m);
    assert.match(page, /^hangar_log_batch_entries_count \d+$/m);
    if (engine === 'postgres') assert.match(page, /^hangar_db_pool_connections\{pool="fleet",state="total"\} \d+$/m);
    for (const secret of [a.ownerKey.key, a.operatorKey.key, s.admin.apiKey, a.owner.accessToken, partId]) {
      assert.equal(page.includes(secret), false, 'no key, token or id on the page');
    }
  });

  it('refuses Log calls with RESOURCE_EXHAUSTED and a retry-after when the queue is full, storing nothing', async () => {
    const s = await startTestServer(engine, { flags: { logQueueBytes: String(1024 * 1024) } });
    try {
      const { a, partId, machine } = await loggingMachine(s, 'full-queue-bot');
      const heavy = Array.from({ length: 600 }, (_, i) => entry({ message: `${i} ${'x'.repeat(1000)}` }));
      const refused = await machine.log(partId, heavy).then(
        () => undefined,
        (err: unknown) => err,
      );
      assert.ok(refused instanceof HangarError, String(refused));
      assert.equal(refused.code, Code.ResourceExhausted);
      assert.match(refused.message, /log queue is full .*retry in 1 s/);
      assert.equal(refused.retryAfterSeconds, 1);
      assert.equal(await metricValue(s, 'hangar_log_ingest_refused_total'), 1);
      assert.deepEqual(await a.owner.getRobotPartLogs(partId), []);
      await machine.log(partId, heavy.slice(0, 100));
      assert.equal((await a.owner.getRobotPartLogs(partId, { numLogEntries: 0 })).length, 100);
    } finally {
      await s.close();
    }
  });

  it('deletes entries past the retention age or the per-part maximum, and the logs of deleted parts, counting each', async () => {
    const s = await startTestServer(engine, {
      flags: { logRetentionDays: '1', logMaxEntriesPerPart: '100', logRetentionIntervalSeconds: '1' },
    });
    try {
      const { a, robotId, partId, machine } = await loggingMachine(s, 'retention-bot');
      const day = 86_400 * SECOND;
      await machine.log(partId, [
        entry({ message: 'two days old', timeUs: NOW_US - 2 * day }),
        entry({ message: 'an hour old', timeUs: NOW_US - 3600 * SECOND }),
      ]);
      await machine.log(
        partId,
        Array.from({ length: 150 }, (_, i) => entry({ message: `recent ${i}`, timeUs: NOW_US + i })),
      );
      const gone = await a.owner.newRobotPart(robotId, 'doomed-part');
      await machine.log(gone, [entry({ message: 'of a part about to go' }), entry({ message: 'this too' })]);
      await a.owner.deleteRobotPart(gone);
      await waitFor(async () => (await metricValue(s, 'hangar_log_entries_deleted_total', { reason: 'part_deleted' })) === 2);
      await waitFor(async () => (await a.owner.getRobotPartLogs(partId, { numLogEntries: 0 })).length === 100);
      const kept = await a.owner.getRobotPartLogs(partId, { numLogEntries: 0 });
      assert.deepEqual(
        messages(kept),
        Array.from({ length: 100 }, (_, i) => `recent ${149 - i}`),
      );
      assert.equal(await metricValue(s, 'hangar_log_entries_deleted_total', { reason: 'age' }), 1);
      assert.equal(await metricValue(s, 'hangar_log_entries_deleted_total', { reason: 'count' }), 51);
    } finally {
      await s.close();
    }
  });

  it('ends a tail that falls too far behind with RESOURCE_EXHAUSTED instead of buffering without bound', async () => {
    const s = await startTestServer(engine, { flags: { tailBufferEntries: '10' } });
    try {
      const { a, partId, machine } = await loggingMachine(s, 'slow-reader-bot');
      // A reader that stops reading: a paused HTTP/2 stream takes a window's worth, then flow control
      // holds the server's writes, so entries pile up on the server's side.
      const session = await openH2(s.url);
      const stream = session.request({
        ':method': 'POST',
        ':path': '/viam.app.v1.AppService/TailRobotPartLogs',
        'content-type': 'application/grpc',
        te: 'trailers',
        authorization: `Bearer ${a.owner.accessToken}`,
      });
      stream.end(grpcFrame(new appApi.TailRobotPartLogsRequest({ id: partId, errorsOnly: false }).toBinary()));
      await waitForTails(s, 1);
      const big = 'y'.repeat(4000);
      for (let i = 0; i < 40; i++)
        await machine.log(
          partId,
          Array.from({ length: 10 }, (_, j) => entry({ message: `${i}.${j} ${big}` })),
        );
      // Ended on the server's side at once, though its stream still waits for the reader.
      await waitForTails(s, 0);
      const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.on('trailers', resolve));
      let bytes = 0;
      stream.on('data', (d: Buffer) => (bytes += d.length));
      stream.resume();
      const t = await trailers;
      assert.equal(t['grpc-status'], String(Code.ResourceExhausted));
      assert.match(decodeURIComponent(String(t['grpc-message'])), /fell more than 10 entries behind/);
      assert.ok(bytes < 400 * 4000, `only part of what was logged was sent (${bytes} bytes)`);
      session.close();
    } finally {
      await s.close();
    }
  });

  it('ends open tails when the server stops, so shutdown does not wait for them', async () => {
    const s = await startTestServer(engine);
    const { a, partId } = await loggingMachine(s, 'shutdown-bot');
    const tail = collectTail(a.owner, partId, false);
    await waitForTails(s, 1);
    const started = Date.now();
    const outcome = tail.done.then(
      () => 'ended',
      (err: unknown) => codeOf(err),
    );
    await s.close();
    assert.equal(await outcome, Code.Unavailable);
    assert.ok(Date.now() - started < 5_000, 'well before the 10 s drain limit');
  });

  if (engine === 'postgres') {
    it('reaches a tail on another server sharing the PostgreSQL database, each entry once', async () => {
      const s = server();
      const replica = await startTestServer(engine, { database: s.db, ownsDatabase: false });
      try {
        const { a, partId, machine } = await loggingMachine(s, 'replica-bot');
        const onReplica = await replica.connect({ type: 'api-key', keyId: a.operatorKey.id, key: a.operatorKey.key });
        const remote = collectTail(onReplica, partId, false);
        const local = collectTail(a.operator, partId, false);
        await waitForTails(replica, 1);
        await waitForTails(s, 1);
        for (let i = 0; i < 5; i++) await machine.log(partId, [entry({ message: `r${i}`, timeUs: NOW_US + i })]);
        const viaReplica = await machineClient(replica, a.ownerKey);
        await viaReplica.log(partId, [entry({ message: 'r5 from the replica', timeUs: NOW_US + 5 })]);
        await remote.until(6);
        await local.until(6);
        await new Promise((r) => setTimeout(r, 200));
        const want = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5 from the replica'];
        assert.deepEqual(messages(remote.got), want);
        assert.deepEqual(messages(local.got), want);
        await Promise.all([remote.stop(), local.stop()]);
      } finally {
        await replica.close();
      }
    });
  }
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitForLastAccess(client: AppClient, partId: string, other: Date | undefined): Promise<Date> {
  let seen: Date | undefined;
  await waitFor(async () => {
    seen = (await client.getRobotPart(partId)).lastAccess;
    return seen !== undefined && seen.getTime() !== other?.getTime();
  });
  if (seen === undefined) throw new Error('no last access');
  return seen;
}
