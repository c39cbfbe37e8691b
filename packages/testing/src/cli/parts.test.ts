import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { it } from 'node:test';
import { Code, hasCode } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { assertError, jsonError, loginWithKey, textTable, unique } from './helpers.js';

interface PartJson {
  id: string;
  name: string;
  mainPart: boolean;
  status: string;
  lastAccess: string | null;
  fqdn: string;
}

interface HistoryJson {
  when: string | null;
  editedBy: { type: 'user' | 'api-key'; id: string } | null;
  name: string | null;
  config: unknown;
}

const CONFIG = { components: [{ name: 'base', api: 'rdk:component:base', model: 'fake', attributes: { speed: 2 } }] };

await describeEngines('hangar robots part', (server) => {
  it('creates, renames, marks as main, restarts and deletes parts; the main part goes last', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Parts'));
    const rover = await newMachine(a.owner, a.location.id, 'rover');
    const cli = await loginWithKey(s, a.ownerKey);

    const created = await cli(['robots', 'part', 'create', '--robot', 'rover', 'camera', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const camera = created.json<PartJson>();
    assert.deepEqual(camera, {
      id: camera.id,
      name: 'camera',
      mainPart: false,
      status: 'awaiting-setup',
      lastAccess: null,
      fqdn: `camera.${a.location.id}.hangar.local`,
    });
    assert.equal((await a.owner.getRobotPart(camera.id)).robot, rover.robotId);

    const renamed = await cli(['robots', 'part', 'rename', '--robot', 'rover', '--part', 'camera', 'eye']);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.equal(renamed.stdout, `Renamed part ${camera.id} from "camera" to "eye".\n`);

    const mainRefused = await cli(['robots', 'part', 'delete', '--robot', 'rover', '--part', 'rover-main', '--yes', '--json']);
    assert.equal(mainRefused.code, 1);
    assert.equal(jsonError(mainRefused).code, 'FAILED_PRECONDITION');
    assert.match(jsonError(mainRefused).message, /mark another part as main before deleting it/);

    // A part id names its machine: --robot may be left out.
    const main = await cli(['robots', 'part', 'set-main', '--part-id', camera.id, '--json']);
    assert.equal(main.code, 0, main.stderr);
    assert.deepEqual(main.json(), { ...camera, name: 'eye', fqdn: `eye.${a.location.id}.hangar.local`, mainPart: true });
    assert.equal((await a.owner.getRobotPart(rover.mainPart.id)).mainPart, false);

    const restart = await cli(['robots', 'part', 'restart', '--robot', rover.robotId, '--part', 'eye', '--json']);
    assert.equal(restart.code, 0, restart.stderr);
    assert.equal(restart.json<{ restartRequested: boolean }>().restartRequested, true);
    // Pending until the machine asks NeedsRestart and hears it.
    const pending = await cli(['robots', 'part', 'status', '--robot', rover.robotId, '--part', 'eye', '--json']);
    assert.equal(pending.json<{ restartPending: boolean }>().restartPending, true);
    const pendingText = await cli(['robots', 'part', 'status', '--robot', rover.robotId, '--part', 'eye']);
    assert.match(pendingText.stdout, /Status: +awaiting setup, restart pending \(it restarts the next time it checks in\)\n/);

    assertError(
      await cli(['robots', 'part', 'delete', '--robot', 'rover', '--part', 'rover-main']),
      2,
      `refusing to delete part "rover-main" (${rover.mainPart.id}) without confirmation`,
      '--yes',
    );
    const deleted = await cli(['robots', 'part', 'delete', '--robot', 'rover', '--part', 'rover-main', '--yes']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, `Deleted part "rover-main" (${rover.mainPart.id}) of machine "rover".\n`);
    await assert.rejects(a.owner.getRobotPart(rover.mainPart.id), hasCode(Code.NotFound));
  });

  it("prints a part's config, writes it to a file, replaces it from a file or stdin, and lists its history newest first", async () => {
    const s = server();
    const a = await seedOrg(s, unique('Config'));
    const rover = await newMachine(a.owner, a.location.id, 'rover');
    const cli = await loginWithKey(s, a.ownerKey);
    const file = join(cli.home, 'rover.json');
    await writeFile(file, JSON.stringify(CONFIG));

    const set = await cli(['robots', 'part', 'config', 'set', '--robot', 'rover', '--part', 'rover-main', file]);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, `Updated the config of part "rover-main" (${rover.mainPart.id}).\n`);
    assert.deepEqual((await a.owner.getRobotPart(rover.mainPart.id)).robotConfig, CONFIG);

    const printed = await cli(['robots', 'part', 'config', 'get', '--robot', 'rover', '--part', 'rover-main']);
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout, JSON.stringify(CONFIG, null, 2) + '\n');
    const out = join(cli.home, 'out.json');
    const written = await cli(['robots', 'part', 'config', 'get', '--robot', 'rover', '--part', 'rover-main', '--output', out]);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(written.stdout, `Wrote the config of part "rover-main" (${rover.mainPart.id}) to ${out}.\n`);
    assert.equal(await readFile(out, 'utf8'), JSON.stringify(CONFIG, null, 2) + '\n');

    const next = { ...CONFIG, debug: true };
    const piped = await cli(['robots', 'part', 'config', 'set', '--robot', 'rover', '--part', 'rover-main', '-', '--json'], {
      stdin: JSON.stringify(next) + '\n',
    });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.json<PartJson>().id, rover.mainPart.id);
    const json = await cli(['robots', 'part', 'config', 'get', '--part', rover.mainPart.id, '--json']);
    assert.deepEqual(json.json(), next);

    // Each entry is the part as it was before a change, with who changed it and when.
    const history = await cli(['robots', 'part', 'history', '--robot', 'rover', '--part', 'rover-main', '--json']);
    assert.equal(history.code, 0, history.stderr);
    const entries = history.json<HistoryJson[]>();
    const when = (await a.owner.getRobotPartHistory(rover.mainPart.id)).map((e) => e.when?.toISOString() ?? null);
    const editedBy = { type: 'api-key' as const, id: a.ownerKey.id };
    assert.deepEqual(entries, [
      { when: when[0], editedBy, name: 'rover-main', config: CONFIG },
      { when: when[1], editedBy, name: 'rover-main', config: {} },
    ]);
    assert.ok((entries[0]?.when ?? '') > (entries[1]?.when ?? ''), 'newest first');

    const limited = await cli(['robots', 'part', 'history', '--robot', 'rover', '--part', 'rover-main', '--limit', '1', '--json']);
    assert.deepEqual(limited.json(), entries.slice(0, 1));
    const human = await cli(['robots', 'part', 'history', '--robot', 'rover', '--part', 'rover-main']);
    assert.equal(human.code, 0, human.stderr);
    const compact = JSON.stringify(CONFIG);
    assert.equal(
      human.stdout,
      textTable([
        ['WHEN', 'EDITED BY', 'NAME', 'CONFIG'],
        [when[0] ?? '', `API key ${a.ownerKey.id}`, 'rover-main', `${compact.slice(0, 59)}…`],
        [when[1] ?? '', `API key ${a.ownerKey.id}`, 'rover-main', '{}'],
      ]),
    );
    assertError(
      await cli(['robots', 'part', 'history', '--robot', 'rover', '--part', 'rover-main', '--limit', '0']),
      2,
      '--limit must be a whole number of 1 or more, got "0"',
    );
  });

  it('refuses config files that cannot be read, are not JSON, or hold no object (exit 1), and configs the server rejects', async () => {
    const s = server();
    const a = await seedOrg(s, unique('BadConfig'));
    const rover = await newMachine(a.owner, a.location.id, 'rover');
    const cli = await loginWithKey(s, a.ownerKey);
    const set = (file: string, stdin?: string) =>
      cli(['robots', 'part', 'config', 'set', '--robot', 'rover', '--part', 'rover-main', file], stdin === undefined ? {} : { stdin });

    const missing = join(cli.home, 'missing.json');
    assertError(
      await set(missing),
      1,
      `cannot read ${missing}: no such file`,
      'pass the path of a JSON file, or - to read the config from stdin',
    );
    const broken = join(cli.home, 'broken.json');
    await writeFile(broken, '{"components": [');
    assertError(await set(broken), 1, `${broken} is not valid JSON: `, 'fix the JSON');
    assertError(await set('-', '[1, 2]'), 1, 'stdin must hold a JSON object (the part config), got a list');
    const rejected = await set('-', '{"components": {"name": "base"}}');
    assertError(rejected, 1, 'robot_config.components must be a list', 'fix the config file');
    assert.deepEqual(await a.owner.getRobotPartHistory(rover.mainPart.id), [], 'nothing was changed');
  });

  it('reports an unknown part of a machine, and a part of another machine given by id (exit 1)', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Unknown'));
    const rover = await newMachine(a.owner, a.location.id, 'rover');
    const arm = await newMachine(a.owner, a.location.id, 'arm');
    const cli = await loginWithKey(s, a.ownerKey);
    assertError(
      await cli(['robots', 'part', 'status', '--robot', 'rover', '--part', 'wheel']),
      1,
      'machine "rover" has no part named "wheel"',
      `run "hangar robots status --robot ${rover.robotId}" to see its parts`,
    );
    const other = await cli(['robots', 'part', 'rename', '--robot', 'rover', '--part-id', arm.mainPart.id, 'stolen', '--json']);
    assert.equal(other.code, 1);
    assert.deepEqual(jsonError(other), {
      code: 'NOT_FOUND',
      message: `machine "rover" has no part ${arm.mainPart.id}`,
      hint: `run "hangar robots status --robot ${rover.robotId}" to see its parts, and pass a name or id from it`,
    });
    assert.equal((await a.owner.getRobotPart(arm.mainPart.id)).name, 'arm-main');
  });
});
