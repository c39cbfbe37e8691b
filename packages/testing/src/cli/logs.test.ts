/** `hangar robots logs` and `hangar robots part logs`: queries, filters, formats, files and live tails. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import type { JsonObject } from '@hangar/sdk';
import { CLI_PATH, tempHome } from '../cli.js';
import { newMachine, type Machine } from '../fleet.js';
import { entry, machineClient, machineKey, waitForTails, type EntryInit } from '../machine-logs.js';
import { seedOrg, type SeededOrg } from '../seed.js';
import { startTestServer, type TestServer } from '../server.js';
import { describeEngines } from '../suite.js';
import { assertError, cliFor, HAS_SCRIPT, jsonError, loginWithKey, NO_TERMINAL_SKIP, unique, type Cli } from './helpers.js';

interface LogEntryJson {
  partId: string;
  partName: string;
  time: string | null;
  level: string;
  loggerName: string;
  message: string;
  host: string;
  caller: JsonObject | null;
  stack: string;
  fields: JsonObject[];
}

/** What entry() puts in every entry unless told otherwise. */
const CALLER = { Defined: true, File: 'resource/manager.go', Line: 312, Function: 'rdk.(*manager).reconfigure' };

/** A whole second an hour ago, in microseconds: entries are placed relative to it. */
const T0 = (Math.floor(Date.now() / 1000) - 3600) * 1_000_000;
/** The RFC 3339 text of T0 + `s` seconds, without the fraction or zone. */
const at = (s: number) => new Date(T0 / 1000 + s * 1000).toISOString().slice(0, 19);

interface Fixture {
  readonly s: TestServer;
  readonly a: SeededOrg;
  readonly rover: Machine;
  readonly cli: Cli;
  /** Sends entries as the machine's own key does. */
  log(partId: string, entries: readonly EntryInit[]): Promise<void>;
}

async function fixture(s: TestServer, name: string): Promise<Fixture> {
  const a = await seedOrg(s, unique(name));
  const rover = await newMachine(a.owner, a.location.id, 'rover');
  const machine = await machineClient(s, await machineKey(a.owner, a.org.id, rover.robotId));
  const cli = await loginWithKey(s, a.ownerKey);
  return { s, a, rover, cli, log: (partId, entries) => machine.log(partId, entries.map(entry)) };
}

const PART = ['robots', 'part', 'logs', '--robot', 'rover', '--part', 'rover-main'];

/** The JSON of an entry entry() built with these fields, as the CLI prints it. */
function expected(
  part: { id: string; name: string },
  e: { time: string; message: string; level?: string; loggerName?: string; fields?: JsonObject[] },
): LogEntryJson {
  return {
    partId: part.id,
    partName: part.name,
    time: e.time,
    level: e.level ?? 'info',
    loggerName: e.loggerName ?? 'rdk.resource_manager',
    message: e.message,
    host: 'rover.local',
    caller: CALLER,
    stack: '',
    fields: e.fields ?? [],
  };
}

/** NDJSON: every line one compact JSON object; returns them. */
function ndjson(stdout: string): LogEntryJson[] {
  if (stdout === '') return [];
  assert.ok(stdout.endsWith('\n'), `NDJSON ends with a newline: ${JSON.stringify(stdout.slice(-80))}`);
  return stdout
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const value = JSON.parse(line) as LogEntryJson;
      assert.equal(line, JSON.stringify(value), 'one compact JSON object per line');
      return value;
    });
}

const messages = (stdout: string) => ndjson(stdout).map((e) => e.message);

/** A spawned `hangar …` that keeps running (a tail): its output read as it arrives. */
interface Running {
  /** Resolves once stdout holds at least `n` complete lines, with all of them. */
  lines(n: number): Promise<string[]>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

function spawnCli(cli: Cli, s: TestServer, args: readonly string[]): Running {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: { PATH: process.env.PATH ?? '', HANGAR_HOME: cli.home, HANGAR_URL: s.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const w of waiters) w();
  };
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    changed();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let hasExited = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      hasExited = true;
      changed();
      resolve({ code, signal });
    }),
  );
  const complete = () => stdout.split('\n').slice(0, -1);
  return {
    lines(n) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const got = complete();
          if (got.length >= n) {
            done();
            resolve(got);
          } else if (hasExited) {
            done();
            reject(new Error(`hangar exited with ${got.length} of ${n} lines\nstdout: ${stdout}\nstderr: ${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          child.kill('SIGKILL');
          reject(new Error(`expected ${n} lines within 15 s\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, 15_000);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: (signal) => child.kill(signal),
  };
}

/** Runs the CLI on a pseudo-terminal (util-linux `script`) with extra environment; the screen mixes stdout and stderr. */
function onTerminal(
  cli: Cli,
  s: TestServer,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; screen: string }> {
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
  const child = spawn('script', ['-qec', [process.execPath, CLI_PATH, ...args].map(quote).join(' '), '/dev/null'], {
    env: { PATH: process.env.PATH ?? '', HANGAR_HOME: cli.home, HANGAR_URL: s.url, TERM: 'dumb', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the CLI did not finish on the terminal within 20 s; screen so far:\n${screen}`));
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, screen: screen.replace(/\r\n/g, '\n') });
    });
  });
}

await describeEngines('hangar robots logs', (server, engine) => {
  it('prints entries newest first as log-viewer lines, as one JSON array and as NDJSON, times to the digit the machine sent', async () => {
    const f = await fixture(server(), 'Logs');
    const main = f.rover.mainPart;
    await f.log(main.id, [
      { message: 'starting', timeUs: T0 + 123_456, extraNanos: 7, fields: [{ k: 'v' }] },
      { message: 'slow frame', level: 'warn', loggerName: 'rdk.camera', timeUs: T0 + 1_500_000 },
      { message: 'camera failed', level: 'error', timeUs: T0 + 2_000_000, fields: [{ k: 'v' }, { n: 1 }] },
    ]);

    const text = await f.cli(PART);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(
      text.stdout,
      [
        `${at(2)}Z  ERROR  rdk.resource_manager  camera failed  {"k":"v"} {"n":1}`,
        `${at(1)}.500Z  WARN   rdk.camera  slow frame`,
        `${at(0)}.123456007Z  INFO   rdk.resource_manager  starting  {"k":"v"}`,
        '',
      ].join('\n'),
    );
    assert.equal(text.stderr, '');

    const entries = [
      expected(main, { time: `${at(2)}Z`, message: 'camera failed', level: 'error', fields: [{ k: 'v' }, { n: 1 }] }),
      expected(main, { time: `${at(1)}.500Z`, message: 'slow frame', level: 'warn', loggerName: 'rdk.camera' }),
      expected(main, { time: `${at(0)}.123456007Z`, message: 'starting', fields: [{ k: 'v' }] }),
    ];
    const json = await f.cli([...PART, '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(json.json(), entries);
    assert.equal(json.stdout, JSON.stringify(json.json(), null, 2) + '\n', 'one JSON document, indented as every --json');

    const lines = await f.cli([...PART, '--format', 'json']);
    assert.equal(lines.code, 0, lines.stderr);
    assert.deepEqual(ndjson(lines.stdout), entries);

    // The part by id alone, and --robot-id / --part-id spellings, with the narrowing filters.
    const byId = await f.cli(['robots', 'part', 'logs', '--part-id', main.id, '--format', 'json', '--count', '1']);
    assert.deepEqual(ndjson(byId.stdout), entries.slice(0, 1));
    const scoped = await f.cli([
      'robots',
      'part',
      'logs',
      '--org-id',
      f.a.org.name,
      '--location-id',
      f.a.location.name,
      '--robot-id',
      f.rover.robotId,
      '--part-id',
      'rover-main',
      '--format=json',
    ]);
    assert.equal(scoped.code, 0, scoped.stderr);
    assert.deepEqual(ndjson(scoped.stdout), entries);
  });

  it('says so on stderr when nothing matches, and exits 0', async () => {
    const f = await fixture(server(), 'Empty logs');
    const none = await f.cli(PART);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, '');
    assert.equal(none.stderr, 'No log entries for part "rover-main".\n');
    await f.log(f.rover.mainPart.id, [{ message: 'hello', timeUs: T0 }]);
    const filtered = await f.cli([...PART, '--keyword', 'nothing like it']);
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.equal(filtered.stdout, '');
    assert.equal(filtered.stderr, 'No log entries match these filters for part "rover-main".\n');
    const json = await f.cli([...PART, '--keyword', 'nothing like it', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stdout, '[]\n');
    assert.equal(json.stderr, '');
  });

  it('prints the newest --count entries (default 100, 0 for all, paging past 1,000) and writes them to --output', async () => {
    const f = await fixture(server(), 'Many logs');
    const main = f.rover.mainPart;
    const all = Array.from({ length: 1500 }, (_, i) => ({ message: `entry ${i}`, timeUs: T0 + i * 1000 }));
    await f.log(main.id, all.slice(0, 750));
    await f.log(main.id, all.slice(750));
    const newest = (n: number) => Array.from({ length: n }, (_, i) => `entry ${1499 - i}`);

    const byDefault = await f.cli([...PART, '--format', 'json']);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.deepEqual(messages(byDefault.stdout), newest(100));
    assert.deepEqual(messages((await f.cli([...PART, '--format', 'json', '--count', '5'])).stdout), newest(5));
    assert.deepEqual(messages((await f.cli([...PART, '--format', 'json', '--count', '1200'])).stdout), newest(1200));
    const everything = await f.cli([...PART, '--format', 'json', '--count', '0']);
    assert.equal(everything.code, 0, everything.stderr);
    assert.deepEqual(messages(everything.stdout), newest(1500));
    const array = await f.cli([...PART, '--json', '--count', '0']);
    assert.deepEqual(
      array.json<LogEntryJson[]>().map((e) => e.message),
      newest(1500),
    );

    const file = join(f.cli.home, 'rover.ndjson');
    const written = await f.cli([...PART, '--format', 'json', '--count', '0', '--output', file]);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(written.stdout, '', 'the entries go to the file, nothing to stdout');
    assert.equal(written.stderr, `Wrote 1500 log entries of part "rover-main" to ${file}.\n`);
    assert.equal(await readFile(file, 'utf8'), everything.stdout);

    const textFile = join(f.cli.home, 'rover.log');
    const text = await f.cli([...PART, '--count', '2', '--output', textFile]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, '');
    assert.equal(
      await readFile(textFile, 'utf8'),
      `${at(1)}.499Z  INFO   rdk.resource_manager  entry 1499\n${at(1)}.498Z  INFO   rdk.resource_manager  entry 1498\n`,
    );
    const jsonFile = join(f.cli.home, 'rover.json');
    const json = await f.cli([...PART, '--count', '3', '--json', '--output', jsonFile]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stdout, '');
    assert.equal(json.stderr, '', 'no notice under --json');
    assert.deepEqual(
      (JSON.parse(await readFile(jsonFile, 'utf8')) as LogEntryJson[]).map((e) => e.message),
      newest(3),
    );
  });

  it('keeps entries from --start (inclusive) to --end (exclusive), given as RFC 3339 or as a duration ago', async () => {
    const f = await fixture(server(), 'Timed logs');
    const now = Math.floor(Date.now() / 1000) * 1000;
    const ago = (minutes: number) => now - minutes * 60_000;
    await f.log(f.rover.mainPart.id, [
      { message: '3h ago', timeUs: ago(180) * 1000 },
      { message: '90m ago', timeUs: ago(90) * 1000 },
      { message: '30m ago', timeUs: ago(30) * 1000 },
      { message: '5m ago', timeUs: ago(5) * 1000 },
    ]);
    const query = async (...args: string[]) => {
      const r = await f.cli([...PART, '--format', 'json', ...args]);
      assert.equal(r.code, 0, r.stderr);
      return messages(r.stdout);
    };
    assert.deepEqual(await query('--start', '1h'), ['5m ago', '30m ago']);
    assert.deepEqual(await query('--start', '2h', '--end', '20m'), ['30m ago', '90m ago']);
    assert.deepEqual(await query('--end', '1h'), ['90m ago', '3h ago']);
    assert.deepEqual(await query('--start', '1d', '--end', '2m'), ['5m ago', '30m ago', '90m ago', '3h ago']);
    const iso = (ms: number) => new Date(ms).toISOString();
    assert.deepEqual(await query('--start', iso(ago(90)), '--end', iso(ago(5))), ['30m ago', '90m ago']);
    // The same instants with an offset instead of Z.
    const plus2 = (ms: number) => `${new Date(ms + 2 * 3_600_000).toISOString().slice(0, 23)}+02:00`;
    assert.deepEqual(await query('--start', plus2(ago(90)), '--end', plus2(ago(5))), ['30m ago', '90m ago']);
  });

  it('filters by --keyword (case-insensitive), --levels (comma-separated or repeated) and --errors', async () => {
    const f = await fixture(server(), 'Filtered logs');
    await f.log(f.rover.mainPart.id, [
      { message: 'cache warmed', level: 'debug', timeUs: T0 + 1_000_000 },
      { message: 'Camera CONNECTED', level: 'info', timeUs: T0 + 2_000_000 },
      { message: 'camera slow', level: 'warn', timeUs: T0 + 3_000_000 },
      { message: 'motor stalled', level: 'error', timeUs: T0 + 4_000_000 },
      { message: 'camera gone', level: 'fatal', timeUs: T0 + 5_000_000 },
    ]);
    const query = async (...args: string[]) => {
      const r = await f.cli([...PART, '--format', 'json', ...args]);
      assert.equal(r.code, 0, r.stderr);
      return messages(r.stdout);
    };
    const all = ['camera gone', 'motor stalled', 'camera slow', 'Camera CONNECTED', 'cache warmed'];
    assert.deepEqual(await query(), all);
    assert.deepEqual(await query('--keyword', 'CAMERA'), ['camera gone', 'camera slow', 'Camera CONNECTED']);
    assert.deepEqual(await query('--levels', 'info,warn'), ['camera slow', 'Camera CONNECTED']);
    assert.deepEqual(await query('--levels', 'INFO', '--levels', 'error,debug'), ['motor stalled', 'Camera CONNECTED', 'cache warmed']);
    assert.deepEqual(await query('--errors'), ['camera gone', 'motor stalled']);
    assert.deepEqual(await query('--errors', 'true'), ['camera gone', 'motor stalled']);
    assert.deepEqual(await query('--errors', 'false'), all);
    assert.deepEqual(await query('--errors=true', '--keyword', 'camera'), ['camera gone']);
    assert.deepEqual(await query('--errors', '--levels', 'warn,error'), ['motor stalled']);
  });

  it('prints the logs of every part of a machine, merged newest first, each line led by its part', async () => {
    const f = await fixture(server(), 'Machine logs');
    const main = f.rover.mainPart;
    const cameraId = await f.a.owner.newRobotPart(f.rover.robotId, 'camera');
    const camera = { id: cameraId, name: 'camera' };
    await f.log(main.id, [
      { message: 'main boot', timeUs: T0 + 1_000_000 },
      { message: 'main ready', timeUs: T0 + 3_000_000 },
    ]);
    await f.log(cameraId, [
      { message: 'camera boot', level: 'warn', timeUs: T0 + 2_000_000 },
      { message: 'camera ready', level: 'error', timeUs: T0 + 3_000_000 },
    ]);

    const text = await f.cli(['robots', 'logs', '--robot', 'rover']);
    assert.equal(text.code, 0, text.stderr);
    // Entries of the same instant: the main part's first.
    assert.equal(
      text.stdout,
      [
        `rover-main  ${at(3)}Z  INFO   rdk.resource_manager  main ready`,
        `camera      ${at(3)}Z  ERROR  rdk.resource_manager  camera ready`,
        `camera      ${at(2)}Z  WARN   rdk.resource_manager  camera boot`,
        `rover-main  ${at(1)}Z  INFO   rdk.resource_manager  main boot`,
        '',
      ].join('\n'),
    );
    const json = await f.cli(['robots', 'logs', '--organization', f.a.org.id, '--location', f.a.location.id, '--robot', 'rover', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(json.json(), [
      expected(main, { time: `${at(3)}Z`, message: 'main ready' }),
      expected(camera, { time: `${at(3)}Z`, message: 'camera ready', level: 'error' }),
      expected(camera, { time: `${at(2)}Z`, message: 'camera boot', level: 'warn' }),
      expected(main, { time: `${at(1)}Z`, message: 'main boot' }),
    ]);
    // --count counts entries across the parts.
    const two = await f.cli(['robots', 'logs', '--robot-id', f.rover.robotId, '--count', '2', '--format', 'json']);
    assert.deepEqual(
      ndjson(two.stdout).map((e) => [e.partName, e.message]),
      [
        ['rover-main', 'main ready'],
        ['camera', 'camera ready'],
      ],
    );
    const errors = await f.cli(['robots', 'logs', '--robot', 'rover', '--errors', 'true']);
    assert.equal(errors.stdout, `camera      ${at(3)}Z  ERROR  rdk.resource_manager  camera ready\n`);
    const warn = await f.cli(['robots', 'logs', '--robot', 'rover', '--levels', 'warn', '--keyword', 'BOOT']);
    assert.equal(warn.stdout, `camera      ${at(2)}Z  WARN   rdk.resource_manager  camera boot\n`);
  });

  it('refuses bad flags with exit 2 and a hint, before asking for a session', async () => {
    const s = server();
    // No session: usage is checked first.
    const cli = cliFor(s, await tempHome());
    const cases: [string[], string, string][] = [
      [['--count', 'ten'], '--count must be a whole number of 0 or more, got "ten"', '--count 0 for every entry'],
      [['--count', '-1'], '--count must be a whole number of 0 or more, got "-1"', '--count 500'],
      [['--start', 'yesterday'], '--start: expected an RFC 3339 time such as 2026-12-01T10:00:00Z, or a duration ago', '--start 1h'],
      [['--end', '2026-02-30T10:00:00Z'], '--end: expected an RFC 3339 time', '--start 1h'],
      [['--start', '1h', '--end', '2h'], 'is before --start', '--start 1h'],
      [['--levels', 'info,loud'], '--levels: "loud" is not a log level', 'debug, info, warn, error, dpanic, panic, fatal'],
      [['--levels', ','], '--levels must name at least one level', '--levels warn,error'],
      [['--errors', '--levels', 'info'], '--errors keeps only error, dpanic, panic, fatal entries', 'drop --errors'],
      [['--errors', 'maybe'], '--errors takes true or false, got "maybe"', '--errors false'],
      [['--format', 'xml'], '--format must be text or json, got "xml"', '--format json'],
      [['--keyword', ' '], '--keyword must not be empty', 'leave --keyword out'],
      [['--tail', '--count', '5'], '--tail prints new entries as they arrive, so --count does not apply to it', '--errors and --keyword'],
      [['--tail', 'true', '--levels', 'info', '--start', '1h'], 'so --start, --levels do not apply to it', 'drop --tail'],
      [['--tail', 'often'], '--tail takes true or false, got "often"', '--tail false'],
    ];
    for (const [args, message, hint] of cases) {
      assertError(await cli([...PART, ...args]), 2, message, hint);
    }
    // Under --json the error is a JSON object on stderr.
    const both = await cli([...PART, '--format', 'text', '--json']);
    assert.equal(both.code, 2);
    assert.equal(both.stdout, '');
    assert.deepEqual(jsonError(both), {
      code: 'USAGE',
      message: '--json asks for JSON and --format text for text',
      hint: 'pass one of them: --json, --format json or --format text',
    });
    assertError(await cli(['robots', 'logs', '--robot', 'rover', '--tail']), 2, "unknown option '--tail'", 'hangar robots logs --help');
    assertError(
      await cli(['robots', 'part', 'logs', '--part', 'rover-main']),
      2,
      "required option '--robot <robot>' not specified",
      '--robot',
    );
    assertError(await cli(['robots', 'logs']), 2, "required option '--robot <robot>' not specified", 'hangar robots list');
    // --tail false is no tail: the other flags apply.
    assertError(await cli([...PART, '--tail', 'false', '--count', '5']), 4, 'not signed in', 'hangar login');
  });

  it('says what to do when the machine or part is missing (exit 1) or no one is signed in (exit 4)', async () => {
    const f = await fixture(server(), 'Missing');
    assertError(await f.cli(['robots', 'logs', '--robot', 'ghost']), 1, 'no machine named "ghost" in your locations', 'hangar robots list');
    assertError(
      await f.cli(['robots', 'part', 'logs', '--robot', 'ghost', '--part', 'main']),
      1,
      'no machine named "ghost"',
      'hangar robots list',
    );
    assertError(
      await f.cli(['robots', 'part', 'logs', '--robot', 'rover', '--part', 'wheel', '--tail']),
      1,
      'machine "rover" has no part named "wheel"',
      `hangar robots status --robot ${f.rover.robotId}`,
    );
    const nobody = cliFor(f.s, await tempHome());
    assertError(await nobody(['robots', 'logs', '--robot', 'rover']), 4, `not signed in to ${f.s.url}`, 'hangar login');
    assertError(await nobody([...PART, '--tail']), 4, `not signed in to ${f.s.url}`, 'hangar login');
  });

  it('tails: prints no history, then each new entry once and in order, and exits 0 on Ctrl-C', async () => {
    const f = await fixture(server(), 'Tail');
    const main = f.rover.mainPart;
    await f.log(main.id, [{ message: 'history', timeUs: T0 }]);

    const tail = spawnCli(f.cli, f.s, [...PART, '--tail', '--format', 'json']);
    await waitForTails(f.s, 1);
    const sent = Array.from({ length: 7 }, (_, i) => ({
      message: `live ${i}`,
      level: i % 2 === 0 ? 'info' : 'error',
      timeUs: T0 + (i + 1) * 1000,
    }));
    await f.log(main.id, sent.slice(0, 3));
    await f.log(main.id, sent.slice(3));
    const lines = await tail.lines(7);
    tail.kill('SIGINT');
    const exit = await tail.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, tail.stderr());
    assert.deepEqual(
      ndjson(tail.stdout()),
      sent.map((e, i) => expected(main, { time: `${at(0)}.00${i + 1}Z`, message: e.message, level: e.level })),
    );
    assert.equal(lines.length, 7);
    assert.equal(tail.stderr(), `Tailing the logs of part "rover-main" (${main.id}); press Ctrl-C to stop.\n`);
    await waitForTails(f.s, 0);

    // Text, with --tail true and --json meaning NDJSON.
    const text = spawnCli(f.cli, f.s, [...PART, '--tail', 'true']);
    await waitForTails(f.s, 1);
    await f.log(main.id, [
      { message: 'text one', level: 'warn', timeUs: T0 + 10_000, fields: [{ k: 'v' }] },
      { message: 'text two', level: 'debug', timeUs: T0 + 20_000 },
    ]);
    await text.lines(2);
    text.kill('SIGINT');
    assert.equal((await text.exited).code, 0, text.stderr());
    assert.equal(
      text.stdout(),
      `${at(0)}.010Z  WARN   rdk.resource_manager  text one  {"k":"v"}\n${at(0)}.020Z  DEBUG  rdk.resource_manager  text two\n`,
    );
    await waitForTails(f.s, 0);

    const json = spawnCli(f.cli, f.s, [...PART, '--tail', '--json']);
    await waitForTails(f.s, 1);
    await f.log(main.id, [{ message: 'json one', timeUs: T0 + 30_000 }]);
    await json.lines(1);
    json.kill('SIGINT');
    assert.equal((await json.exited).code, 0, json.stderr());
    assert.deepEqual(ndjson(json.stdout()), [expected(main, { time: `${at(0)}.030Z`, message: 'json one' })]);
    assert.equal(json.stderr(), '', 'no notice under --json');
    await waitForTails(f.s, 0);
  });

  it('tails only the errors and messages containing --keyword (case-insensitive), into --output if asked', async () => {
    const f = await fixture(server(), 'Tail filters');
    const main = f.rover.mainPart;
    const tail = spawnCli(f.cli, f.s, [...PART, '--tail', '--errors', '--keyword', 'CAMERA', '--format', 'json']);
    const file = join(f.cli.home, 'tail.log');
    const toFile = spawnCli(f.cli, f.s, [...PART, '--tail', '--errors=false', '--keyword', 'motor', '--output', file]);
    await waitForTails(f.s, 2);
    await f.log(main.id, [
      { message: 'camera ok', level: 'info', timeUs: T0 + 1000 },
      { message: 'camera failed', level: 'error', timeUs: T0 + 2000 },
      { message: 'motor failed', level: 'error', timeUs: T0 + 3000 },
      { message: 'Motor warm', level: 'warn', timeUs: T0 + 4000 },
      { message: 'CAMERA gone', level: 'fatal', timeUs: T0 + 5000 },
    ]);
    // The last matching entry came in the same batch as the others: once it is there, nothing else will be.
    await tail.lines(2);
    tail.kill('SIGINT');
    assert.equal((await tail.exited).code, 0, tail.stderr());
    assert.deepEqual(messages(tail.stdout()), ['camera failed', 'CAMERA gone']);
    await waitForTails(f.s, 1);
    // The file tail writes its lines as they come; give it the batch, then end it.
    const deadline = Date.now() + 10_000;
    while ((await readFile(file, 'utf8')).split('\n').length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    toFile.kill('SIGINT');
    assert.equal((await toFile.exited).code, 0, toFile.stderr());
    assert.equal(toFile.stdout(), '');
    assert.equal(
      await readFile(file, 'utf8'),
      `${at(0)}.003Z  ERROR  rdk.resource_manager  motor failed\n${at(0)}.004Z  WARN   rdk.resource_manager  Motor warm\n`,
    );
    await waitForTails(f.s, 0);
  });

  it(
    'colours levels on a terminal, not with NO_COLOR, and shows a progress bar while writing --output',
    { skip: NO_TERMINAL_SKIP },
    async () => {
      assert.ok(HAS_SCRIPT);
      const f = await fixture(server(), 'Colour');
      await f.log(f.rover.mainPart.id, [
        { message: 'fine', level: 'info', timeUs: T0 + 1_000_000 },
        { message: 'hmm', level: 'warn', timeUs: T0 + 2_000_000 },
        { message: 'bad', level: 'error', timeUs: T0 + 3_000_000 },
        { message: 'noise', level: 'debug', timeUs: T0 + 4_000_000 },
      ]);
      const coloured = await onTerminal(f.cli, f.s, PART);
      assert.equal(coloured.code, 0, coloured.screen);
      assert.equal(
        coloured.screen,
        [
          `${at(4)}Z  \x1b[2mDEBUG\x1b[0m  rdk.resource_manager  noise`,
          `${at(3)}Z  \x1b[31mERROR\x1b[0m  rdk.resource_manager  bad`,
          `${at(2)}Z  \x1b[33mWARN \x1b[0m  rdk.resource_manager  hmm`,
          `${at(1)}Z  INFO   rdk.resource_manager  fine`,
          '',
        ].join('\n'),
      );
      const plain = await onTerminal(f.cli, f.s, PART, { NO_COLOR: '1' });
      assert.equal(plain.code, 0, plain.screen);
      assert.ok(!plain.screen.includes('\x1b'), `no colour with NO_COLOR: ${JSON.stringify(plain.screen)}`);
      assert.match(plain.screen, /Z {2}ERROR {2}rdk\.resource_manager {2}bad\n/);

      const file = join(f.cli.home, 'colour.log');
      const progress = await onTerminal(f.cli, f.s, [...PART, '--output', file, '--count', '0']);
      assert.equal(progress.code, 0, progress.screen);
      // Drawn in place (\r, then "erase to end of line"), and erased before the summary.
      assert.ok(progress.screen.includes('\rDownloading logs: 0 entries\x1b[K'), JSON.stringify(progress.screen));
      assert.ok(
        progress.screen.endsWith(`\r\x1b[KWrote 4 log entries of part "rover-main" to ${file}.\n`),
        JSON.stringify(progress.screen),
      );
      const written = await readFile(file, 'utf8');
      assert.ok(!written.includes('\x1b'), 'no colour in a file');
      assert.equal(written.split('\n').length, 5);
      const quiet = await onTerminal(f.cli, f.s, [...PART, '--output', file, '--json']);
      assert.equal(quiet.code, 0, quiet.screen);
      assert.equal(quiet.screen, '', 'no progress bar under --json');
    },
  );

  it('exits 1 with what happened and what to do when the server ends the tail (it fell behind)', async (t) => {
    // A tail may fall 10 entries behind on this server: a batch of 11 ends it at once.
    const s = await startTestServer(engine, { flags: { tailBufferEntries: '10' } });
    t.after(() => s.close());
    const f = await fixture(s, 'Tail ended');
    const tail = spawnCli(f.cli, s, [...PART, '--tail']);
    await waitForTails(s, 1);
    await f.log(
      f.rover.mainPart.id,
      Array.from({ length: 11 }, (_, i) => ({ message: `flood ${i}`, timeUs: T0 + i })),
    );
    const exit = await tail.exited;
    assert.equal(exit.code, 1, `stdout: ${tail.stdout()}\nstderr: ${tail.stderr()}`);
    assert.equal(tail.stdout(), '');
    const stderr = tail.stderr().split('\n');
    assert.deepEqual(stderr.slice(1), [
      'error: the server ended the live tail: this tail fell more than 10 entries behind and was ended; reconnect, read faster, or narrow it with errors_only or a filter',
      'hint: run the command again to resume it, narrowed with --errors or --keyword if it keeps falling behind (without --tail, the command lists what was logged in between)',
      '',
    ]);
    await waitForTails(s, 0);
  });
});
