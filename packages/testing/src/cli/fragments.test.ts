import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import type { Fragment, JsonObject } from '@hangar/sdk';
import { Code, hasCode } from '../assertions.js';
import { tempHome } from '../cli.js';
import { newMachine } from '../fleet.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { assertError, cliFor, jsonError, loginWithKey, textTable, unique } from './helpers.js';

interface FragmentJson {
  id: string;
  name: string;
  organizationId: string;
  organizationName: string;
  visibility: string;
  revision: string;
  robotPartCount: number;
  organizationCount: number;
  onlyUsedByOwner: boolean;
  createdOn: string | null;
  lastUpdated: string | null;
}

/** The CLI's fragment JSON, from the fragment as the SDK reads it. */
const fragmentJson = (f: Fragment): FragmentJson => ({
  id: f.id,
  name: f.name,
  organizationId: f.organizationOwner,
  organizationName: f.organizationName,
  visibility: f.visibility,
  revision: f.revision,
  robotPartCount: f.robotPartCount,
  organizationCount: f.organizationCount,
  onlyUsedByOwner: f.onlyUsedByOwner,
  createdOn: f.createdOn?.toISOString() ?? null,
  lastUpdated: f.lastUpdated?.toISOString() ?? null,
});

const BASE: JsonObject = { components: [{ name: 'base', api: 'rdk:component:base', model: 'fake', attributes: { speed: 2 } }] };

async function configFile(config: unknown): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'hangar-fragment-')), 'config.json');
  await writeFile(file, typeof config === 'string' ? config : JSON.stringify(config));
  return file;
}

await describeEngines('hangar fragments, hangar robots part fragments', (server) => {
  it('creates fragments from a file or stdin, lists them, and prints one', async () => {
    const s = server();
    const a = await seedOrg(s, unique('Fragments'));
    const b = await seedOrg(s, unique('Others'));
    const theirs = await b.owner.createFragment(b.org.id, unique('theirs'), {}, 'public');
    const cli = await loginWithKey(s, a.ownerKey);
    const file = await configFile(BASE);

    const [created, piped] = await Promise.all([
      cli(['fragments', 'create', '--organization', a.org.name, '--name', 'base-rover', file, '--json']),
      cli(['fragments', 'create', '--org-id', a.org.id, '--name', 'shared', '--visibility', 'public', '-', '--json'], {
        stdin: JSON.stringify({ debug: true }),
      }),
    ]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(piped.code, 0, piped.stderr);
    const base = await a.owner.getFragment(created.json<FragmentJson>().id);
    const shared = await a.owner.getFragment(piped.json<FragmentJson>().id);
    assert.deepEqual(created.json(), fragmentJson(base));
    assert.deepEqual(piped.json(), fragmentJson(shared));
    assert.deepEqual(
      [base.name, base.visibility, base.revision, base.organizationOwner, base.fragment],
      ['base-rover', 'private', '1', a.org.id, BASE],
    );
    assert.deepEqual([shared.visibility, shared.fragment], ['public', { debug: true }]);

    const [all, publicOnly, withOthers, human, printed, json] = await Promise.all([
      cli(['fragments', 'list', '--json']),
      cli(['fragments', 'list', '--organization', a.org.name, '--visibility', 'public', '--json']),
      cli(['fragments', 'list', '--show-public', '--json']),
      cli(['fragments', 'list', '--organization', a.org.id]),
      cli(['fragments', 'get', '--fragment', 'base-rover']),
      cli(['fragments', 'get', '--fragment', base.id, '--json']),
    ]);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(all.json(), [fragmentJson(base), fragmentJson(shared)], 'by name, only your organizations');
    assert.deepEqual(publicOnly.json(), [fragmentJson(shared)]);
    const others = withOthers.json<FragmentJson[]>();
    assert.deepEqual(others.slice(0, 2), [fragmentJson(base), fragmentJson(shared)], 'your own first');
    assert.ok(
      others.some((f) => f.id === theirs.id),
      "--show-public adds other organizations' public fragments",
    );
    assert.equal(human.code, 0, human.stderr);
    assert.equal(
      human.stdout,
      textTable([
        ['NAME', 'ID', 'ORGANIZATION', 'VISIBILITY', 'REVISION', 'PARTS', 'UPDATED'],
        ...[base, shared].map((f) => [f.name, f.id, a.org.name, f.visibility, '1', '0', f.lastUpdated?.toISOString() ?? '']),
      ]),
    );
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout, JSON.stringify(base.fragment, null, 2) + '\n');
    assert.deepEqual(json.json(), { ...fragmentJson(base), config: BASE });

    const [unknown, badVersion, badVisibility, noName, notJson] = await Promise.all([
      cli(['fragments', 'get', '--fragment', 'no-such-fragment']),
      cli(['fragments', 'get', '--fragment', base.id, '--revision', 'latest']),
      cli(['fragments', 'list', '--visibility', 'secret']),
      cli(['fragments', 'create', '--organization', a.org.id, file]),
      cli(['fragments', 'create', '--organization', a.org.id, '--name', 'broken', await configFile('{ not json')]),
    ]);
    assertError(unknown, 1, 'no fragment named "no-such-fragment" in your organizations', 'hangar fragments list');
    assertError(badVersion, 2, '--revision must be a revision number such as 3, got "latest"', 'hangar fragments history');
    assertError(badVisibility, 2, "argument 'secret' is invalid", 'hangar fragments list --help');
    assertError(noName, 2, "required option '--name <name>' not specified");
    assertError(notJson, 1, 'is not valid JSON', 'hangar fragments get');
  });

  it('updates a fragment into new revisions, lists its history, prints an old revision and deletes it', async () => {
    const s = server();
    const a = await seedOrg(s, unique('History'));
    const cli = await loginWithKey(s, a.ownerKey);
    const fragment = await a.owner.createFragment(a.org.id, 'hist', { debug: true });

    const updated = await cli(['fragments', 'update', '--fragment', 'hist', '-', '--json'], { stdin: JSON.stringify({ debug: false }) });
    assert.equal(updated.code, 0, updated.stderr);
    const revision2 = await a.owner.getFragment(fragment.id);
    assert.deepEqual(updated.json(), fragmentJson(revision2));
    assert.deepEqual([revision2.revision, revision2.fragment], ['2', { debug: false }]);

    const renamed = await cli(['fragments', 'update', '--fragment', fragment.id, '--name', 'renamed', '--visibility', 'public_unlisted']);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.equal(renamed.stdout, `Updated fragment "renamed" (${fragment.id}): now revision 3.\n`);
    const revision3 = await a.owner.getFragment(fragment.id);
    assert.deepEqual(
      [revision3.name, revision3.visibility, revision3.fragment],
      ['renamed', 'public_unlisted', { debug: false }],
      'the config is kept',
    );

    const { items } = await a.owner.getFragmentHistory(fragment.id, '', 10);
    const editedOn = items.map((e) => e.editedOn?.toISOString() ?? null);
    const editedBy = { type: 'api-key', id: a.ownerKey.id };
    const [history, limited, old, nothing] = await Promise.all([
      cli(['fragments', 'history', '--fragment', 'renamed', '--json']),
      cli(['fragments', 'history', '--fragment', fragment.id, '--limit', '1']),
      cli(['fragments', 'get', '--fragment', fragment.id, '--revision', '1', '--json']),
      cli(['fragments', 'update', '--fragment', fragment.id]),
    ]);
    assert.equal(history.code, 0, history.stderr);
    assert.deepEqual(history.json(), [
      { editedOn: editedOn[0], editedBy, revision: '2', name: 'hist', visibility: 'private', config: { debug: false } },
      { editedOn: editedOn[1], editedBy, revision: '1', name: 'hist', visibility: 'private', config: { debug: true } },
    ]);
    assert.equal(limited.code, 0, limited.stderr);
    assert.equal(
      limited.stdout,
      textTable([
        ['REVISION', 'NAME', 'EDITED', 'EDITED BY'],
        ['2', 'hist', editedOn[0] ?? '', `API key ${a.ownerKey.id}`],
      ]),
    );
    assert.equal(limited.stderr, 'Showing the newest 1; pass a larger --limit to see more.\n');
    assert.equal(old.code, 0, old.stderr);
    assert.deepEqual(old.json<{ revision: string; config: unknown }>().config, { debug: true });
    assert.equal(old.json<{ revision: string }>().revision, '1');
    assertError(nothing, 2, 'nothing to change', 'hangar fragments update --help');

    assertError(
      await cli(['fragments', 'delete', '--fragment', fragment.id]),
      2,
      `refusing to delete fragment "renamed" (${fragment.id}) without confirmation`,
      '--yes',
    );
    const deleted = await cli(['fragments', 'delete', '--fragment', 'renamed', '--yes', '--json']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(deleted.json(), { ...fragmentJson(revision3), deleted: true });
    await assert.rejects(a.owner.getFragment(fragment.id), hasCode(Code.NotFound));
    const gone = await cli(['fragments', 'get', '--fragment', fragment.id, '--json']);
    assert.equal(gone.code, 1);
    assert.equal(jsonError(gone).code, 'NOT_FOUND');
  });

  it("adds a fragment to a part's config, pins a revision, shows the effective config, and removes every entry for it", async () => {
    const s = server();
    const a = await seedOrg(s, unique('PartFragments'));
    const rover = await newMachine(a.owner, a.location.id, 'rover');
    const base = await a.owner.createFragment(a.org.id, 'base', BASE);
    const extra = await a.owner.createFragment(a.org.id, 'extra', { debug: true });
    const cli = await loginWithKey(s, a.ownerKey);
    const part = ['--robot', 'rover', '--part', 'rover-main'];
    const config = async () => (await a.owner.getRobotPart(rover.mainPart.id)).robotConfig;

    const added = await cli(['robots', 'part', 'fragments', 'add', ...part, '--fragment', 'base', '--json']);
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual(added.json(), { partId: rover.mainPart.id, partName: 'rover-main', fragmentIds: [base.id], changed: true });
    assert.deepEqual(await config(), { fragments: [{ id: base.id }] });

    const again = await cli(['robots', 'part', 'fragments', 'add', ...part, '--fragment', base.id, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json<{ changed: boolean }>().changed, false);

    const pinned = await cli(['robots', 'part', 'fragments', 'add', '--part', rover.mainPart.id, '--fragment', base.id, '--revision', '1']);
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.equal(
      pinned.stdout,
      `Added fragment "base" (${base.id}) at revision 1 to part "rover-main" (${rover.mainPart.id}).\nFragments of the part now: ${base.id}\n`,
    );
    assert.deepEqual(await config(), { fragments: [{ id: base.id, version: '1' }] });

    const effective = await a.owner.getEffectiveConfig(rover.mainPart.id);
    assert.deepEqual(effective.config, BASE);
    const [effectiveJson, effectiveHuman, stored, inUse, missingRevision] = await Promise.all([
      cli(['robots', 'part', 'config', 'get', ...part, '--effective', '--json']),
      cli(['robots', 'part', 'config', 'get', ...part, '--effective']),
      cli(['robots', 'part', 'config', 'get', ...part, '--json']),
      cli(['fragments', 'delete', '--fragment', base.id, '--yes']),
      cli(['robots', 'part', 'fragments', 'add', ...part, '--fragment', base.id, '--revision', '9']),
    ]);
    assert.equal(effectiveJson.code, 0, effectiveJson.stderr);
    assert.deepEqual(effectiveJson.json(), effective.config);
    assert.equal(effectiveJson.stderr, '');
    assert.equal(effectiveHuman.stdout, JSON.stringify(effective.config, null, 2) + '\n');
    assert.equal(
      effectiveHuman.stderr,
      `Effective config of part "rover-main", revision ${effective.revision}; fragments: "base" (${base.id}) at revision 1.\n`,
    );
    assert.deepEqual(stored.json(), { fragments: [{ id: base.id, version: '1' }] });
    assertError(inUse, 1, `fragment ${base.id} is used by 1 machine part`);
    assertError(missingRevision, 1, /revision of fragment .* not found/);

    // Both forms of reference, and fragment_mods for it: remove takes them all.
    await a.owner.updateRobotPart(rover.mainPart.id, 'rover-main', {
      fragments: [base.id, { id: extra.id }, { id: base.id.toUpperCase(), version: '1' }],
      fragment_mods: [{ fragment_id: base.id, mods: [{ $set: { 'components.base.attributes.speed': 5 } }] }],
      debug: false,
    });
    const removed = await cli(['robots', 'part', 'fragments', 'remove', ...part, '--fragment', 'base', '--json']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(removed.json(), { partId: rover.mainPart.id, partName: 'rover-main', fragmentIds: [extra.id], changed: true });
    assert.deepEqual(await config(), { fragments: [{ id: extra.id }], fragment_mods: [], debug: false });
    assertError(
      await cli(['robots', 'part', 'fragments', 'remove', ...part, '--fragment', base.id]),
      1,
      `part "rover-main" does not include fragment ${base.id}`,
      extra.id,
    );
  });

  it('needs a session (exit 4)', async () => {
    const s = server();
    assertError(await cliFor(s, await tempHome())(['fragments', 'list']), 4, `not signed in to ${s.url}`, 'hangar login');
  });
});
