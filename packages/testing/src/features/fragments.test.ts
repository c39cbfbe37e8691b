/**
 * Fragments: CRUD with revisions and history, the seed's visibility rules, usage counts, and the effective
 * config of a part built from nested fragments and fragment_mods.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Code, type JsonObject } from '@hangar/sdk';
import { hasCode } from '../assertions.js';
import { newMachine } from '../fleet.js';
import { seedOrg } from '../seed.js';
import { describeEngines } from '../suite.js';
import { officialClient } from '../viam.js';

const arm = (name: string, speed = 1) => ({ name, api: 'rdk:component:arm', model: 'fake', attributes: { speed } });

await describeEngines('fragments', (server) => {
  it('creates, reads, updates with history and deletes a fragment', async () => {
    const s = server();
    const a = await seedOrg(s);
    const created = await a.owner.createFragment(a.org.id, 'rover base', { components: [arm('left')] });
    assert.equal(created.name, 'rover base');
    assert.equal(created.visibility, 'private', 'new fragments are private');
    assert.equal(created.public, false);
    assert.equal(created.organizationOwner, a.org.id);
    assert.equal(created.organizationName, a.org.name);
    assert.equal(created.revision, '1');
    assert.deepEqual(created.fragment, { components: [arm('left')] });
    assert.equal(created.robotPartCount, 0);

    s.clock.advance(1000);
    const v2 = await a.owner.updateFragment(created.id, 'rover base v2', { config: { components: [arm('left', 2)] } });
    assert.equal(v2.revision, '2');
    s.clock.advance(1000);
    const v3 = await a.owner.updateFragment(created.id, 'rover base v2', { visibility: 'public_unlisted' });
    assert.equal(v3.revision, '3');
    assert.equal(v3.visibility, 'public_unlisted');
    // Same name, config and visibility: nothing changes, no history.
    assert.equal((await a.owner.updateFragment(created.id, 'rover base v2')).revision, '3');

    const { items, nextPageToken } = await a.owner.getFragmentHistory(created.id, '', 1);
    assert.equal(items.length, 1);
    assert.equal(items[0]?.old?.revision, '2');
    assert.equal(items[0]?.editedBy?.value, a.ownerKey.id);
    const rest = await a.owner.getFragmentHistory(created.id, nextPageToken, 10);
    assert.deepEqual(
      rest.items.map((e) => [e.old?.revision, e.old?.name]),
      [['1', 'rover base']],
    );
    assert.equal(rest.nextPageToken, '');
    // An earlier revision by version.
    assert.deepEqual((await a.owner.getFragment(created.id, '1')).fragment, { components: [arm('left')] });
    await assert.rejects(a.owner.getFragment(created.id, '9'), hasCode(Code.NotFound));

    await assert.rejects(a.operator.updateFragment(created.id, 'mine'), hasCode(Code.PermissionDenied));
    await a.owner.deleteFragment(created.id);
    await assert.rejects(a.owner.getFragment(created.id), hasCode(Code.NotFound));
  });

  it('shows private fragments to the organization only, public ones to everyone (listed), unlisted ones by id', async () => {
    const s = server();
    const a = await seedOrg(s);
    const b = await seedOrg(s);
    const priv = await a.owner.createFragment(a.org.id, 'private one', {});
    const pub = await a.owner.createFragment(a.org.id, 'public one', {}, 'public');
    const unlisted = await a.owner.createFragment(a.org.id, 'unlisted one', {}, 'public_unlisted');
    await assert.rejects(b.owner.getFragment(priv.id), hasCode(Code.NotFound));
    assert.equal((await b.owner.getFragment(pub.id)).id, pub.id);
    assert.equal((await b.owner.getFragment(unlisted.id)).id, unlisted.id);
    await assert.rejects(b.owner.updateFragment(pub.id, 'hijacked'), hasCode(Code.PermissionDenied));
    await assert.rejects(b.owner.deleteFragment(unlisted.id), hasCode(Code.PermissionDenied));

    const listedForB = (await b.owner.listFragments(b.org.id)).map((f) => f.id);
    assert.ok(listedForB.includes(pub.id), 'public fragments are listed for everyone');
    assert.ok(!listedForB.includes(unlisted.id) && !listedForB.includes(priv.id));
    const own = (await a.owner.listFragments(a.org.id)).map((f) => f.id);
    assert.deepEqual([priv.id, pub.id, unlisted.id].filter((id) => own.includes(id)).length, 3);
    assert.deepEqual(
      (await a.owner.listFragments(a.org.id, false)).map((f) => f.id),
      [priv.id],
      'show_public false: only private fragments',
    );
    assert.deepEqual(
      (await a.owner.listFragments(a.org.id, true, ['public_unlisted'])).map((f) => f.id),
      [unlisted.id],
    );
  });

  it('resolves a part’s effective config from nested fragments and fragment_mods, and counts the parts using each', async () => {
    const s = server();
    const a = await seedOrg(s);
    const { robotId, mainPart } = await newMachine(a.owner, a.location.id, 'composed');
    const sensors = await a.owner.createFragment(a.org.id, 'sensors', {
      components: [{ name: 'cam', api: 'rdk:component:camera', model: 'webcam' }],
    });
    const base = await a.owner.createFragment(a.org.id, 'base', {
      components: [arm('left'), arm('right')],
      fragments: [sensors.id],
      network: { bind_address: ':8080' },
    });
    const config: JsonObject = {
      components: [arm('gripper', 9)],
      fragments: [base.id],
      fragment_mods: [
        {
          fragment_id: base.id,
          mods: [{ $set: { 'components.left.attributes.speed': 5 } }, { $unset: { 'components.right': '' } }],
        },
      ],
    };
    await a.owner.updateRobotPart(mainPart.id, mainPart.name, config);
    const effective = await a.owner.getEffectiveConfig(mainPart.id);
    assert.deepEqual(effective.config, {
      components: [arm('gripper', 9), arm('left', 5), { name: 'cam', api: 'rdk:component:camera', model: 'webcam' }],
      network: { bind_address: ':8080' },
    });
    assert.deepEqual(
      effective.fragments.map((f) => [f.name, f.revision]),
      [
        ['base', '1'],
        ['sensors', '1'],
      ],
    );
    assert.match(effective.revision, /^[0-9a-f]{16}$/);
    // An operator reads it too; another organization does not.
    assert.deepEqual((await a.operator.getEffectiveConfig(mainPart.id)).config, effective.config);
    const b = await seedOrg(s);
    await assert.rejects(b.owner.getEffectiveConfig(mainPart.id), hasCode(Code.NotFound));

    // A change to a nested fragment changes the effective config and its revision.
    await a.owner.updateFragment(sensors.id, 'sensors', {
      config: { components: [{ name: 'cam', api: 'rdk:component:camera', model: 'fake' }] },
    });
    const after = await a.owner.getEffectiveConfig(mainPart.id);
    assert.notEqual(after.revision, effective.revision);
    // Pinning the base at revision 1 keeps its own config (but its nested fragment is current).
    const baseFragment = await a.owner.getFragment(base.id);
    assert.equal(baseFragment.robotPartCount, 1);
    assert.equal(baseFragment.onlyUsedByOwner, true);
    assert.equal((await a.owner.getFragment(sensors.id)).robotPartCount, 0, 'counts are of direct references');

    // In use: it cannot be deleted.
    await assert.rejects(a.owner.deleteFragment(base.id), hasCode(Code.FailedPrecondition, /used by 1 machine part/));
    await assert.rejects(a.owner.deleteFragment(sensors.id), hasCode(Code.FailedPrecondition, /included by 1 other fragment/));
    const forMachine = (await a.owner.listMachineFragments(robotId)).map((f) => f.name).sort();
    assert.deepEqual(forMachine, ['base', 'sensors']);
  });

  it('refuses fragment cycles and reports conflicts between fragments naming both', async () => {
    const s = server();
    const a = await seedOrg(s);
    const one = await a.owner.createFragment(a.org.id, 'one', { components: [arm('x')] });
    const two = await a.owner.createFragment(a.org.id, 'two', { fragments: [one.id] });
    await assert.rejects(
      a.owner.updateFragment(one.id, 'one', { config: { fragments: [two.id] } }),
      hasCode(Code.FailedPrecondition, /cycle/),
    );
    await assert.rejects(
      a.owner.updateFragment(one.id, 'one', { config: { fragments: [one.id] } }),
      hasCode(Code.FailedPrecondition, /cycle/),
    );
    const clash = await a.owner.createFragment(a.org.id, 'clash', { components: [arm('x', 7)] });
    const { mainPart } = await newMachine(a.owner, a.location.id, 'clashing');
    await a.owner.updateRobotPart(mainPart.id, mainPart.name, { fragments: [one.id, clash.id] });
    await assert.rejects(a.owner.getEffectiveConfig(mainPart.id), hasCode(Code.FailedPrecondition, /"one".*"clash"|"clash".*"one"/));
    // The part's own definition wins over the fragments'.
    await a.owner.updateRobotPart(mainPart.id, mainPart.name, { fragments: [one.id, clash.id], components: [arm('x', 1)] });
    assert.deepEqual((await a.owner.getEffectiveConfig(mainPart.id)).config, { components: [arm('x', 1)] });
    // Malformed references are refused when saving.
    await assert.rejects(
      a.owner.updateRobotPart(mainPart.id, mainPart.name, { fragments: ['not-an-id'] }),
      hasCode(Code.InvalidArgument, 'fragments[0]'),
    );
    await assert.rejects(
      a.owner.updateRobotPart(mainPart.id, mainPart.name, { fragment_mods: [{ fragment_id: one.id, mods: [{ $min: { a: 1 } }] }] }),
      hasCode(Code.InvalidArgument, '$min'),
    );
  });

  it('works through the official TypeScript SDK', async () => {
    const s = server();
    const a = await seedOrg(s);
    const viam = await officialClient(s.url, a.ownerKey.id, a.ownerKey.key);
    const { Struct } = await import('@bufbuild/protobuf');
    const created = await viam.appClient.createFragment(a.org.id, 'from the sdk', Struct.fromJson({ debug: true }));
    assert.ok(created?.id);
    const fetched = await viam.appClient.getFragment(created.id);
    assert.deepEqual(fetched?.fragment?.toJson(), { debug: true });
    const listed = await viam.appClient.listFragments(a.org.id);
    assert.ok(listed.some((f) => f.id === created.id));
    await viam.appClient.deleteFragment(created.id);
  });
});
