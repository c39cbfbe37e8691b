import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  normalizePlatform,
  parseModulePlatform,
  parseModuleVersion,
  parseRegistryItemId,
  parseRegistryName,
  parseVersionConstraint,
  resolveModuleVersion,
} from './registry.js';

const available = [
  { version: '1.0.0', platform: 'linux/amd64' },
  { version: '1.2.0', platform: 'linux/amd64' },
  { version: '1.2.3', platform: 'linux/arm64' },
  { version: '1.10.0', platform: 'linux/amd64' },
  { version: '2.0.0', platform: 'any' },
  { version: '2.1.0-rc.1', platform: 'linux/amd64' },
];

describe('resolveModuleVersion', () => {
  it('picks the highest version by semver precedence, not by text', () => {
    assert.equal(resolveModuleVersion('^1', available, 'linux/amd64'), '1.10.0');
    assert.equal(resolveModuleVersion('~1.2', available, 'linux/amd64'), '1.2.0');
    assert.equal(resolveModuleVersion('~1.2', available, 'linux/arm64'), '1.2.3');
  });

  it('lets latest skip prereleases, counts `any` builds for every platform, and finds exact versions only as uploaded', () => {
    assert.equal(resolveModuleVersion('latest', available, 'linux/amd64'), '2.0.0');
    assert.equal(resolveModuleVersion('', available, 'darwin/arm64'), '2.0.0');
    assert.equal(resolveModuleVersion('2.1.0-rc.1', available, 'linux/amd64'), '2.1.0-rc.1');
    assert.equal(resolveModuleVersion('1.0.0', available, 'linux/arm64'), undefined);
    assert.equal(resolveModuleVersion('^3', available, 'linux/amd64'), undefined);
  });
});

describe('registry input', () => {
  it("accepts the seed's names and ids, and says what is wrong with others", () => {
    assert.equal(parseRegistryName('name', 'cool_new_hoverboard_module'), 'cool_new_hoverboard_module');
    assert.equal(parseRegistryName('name', 'csi-cam-pi'), 'csi-cam-pi');
    for (const bad of ['', 'Upper', 'trailing-', '-leading', 'two--dashes', 'spa ce', 'x'.repeat(65)]) {
      assert.throws(() => parseRegistryName('name', bad), /name/, bad);
    }
    assert.deepEqual(parseRegistryItemId('item_id', 'viam:csi-cam-pi'), { prefix: 'viam', name: 'csi-cam-pi' });
    assert.deepEqual(parseRegistryItemId('id', 'org/board'), { prefix: 'org', name: 'board' });
    for (const bad of ['nocolon', ':name', 'ns:', 'a:b:c']) assert.throws(() => parseRegistryItemId('item_id', bad), /item_id/, bad);
  });

  it("takes semver 2.0 versions and the registry's platforms only", () => {
    assert.equal(parseModuleVersion('version', '1.0.0-beta.1+build.5'), '1.0.0-beta.1+build.5');
    for (const bad of ['1', '1.0', 'v1.0.0', '01.0.0', ' 1.0.0']) assert.throws(() => parseModuleVersion('version', bad), /semver/, bad);
    assert.equal(parseModulePlatform('platform', 'linux/arm32v7'), 'linux/arm32v7');
    assert.throws(() => parseModulePlatform('platform', 'linux/x86_64'), /linux\/amd64/);
    assert.equal(parseVersionConstraint('version', '>=1.2.0 <2'), '>=1.2.0 <2');
    assert.throws(() => parseVersionConstraint('version', 'newest'), /latest/);
  });

  it('spells machine platforms as the registry does', () => {
    assert.equal(normalizePlatform('linux/x64'), 'linux/amd64');
    assert.equal(normalizePlatform('linux/aarch64'), 'linux/arm64');
    assert.equal(normalizePlatform('linux/arm'), 'linux/arm32v7');
    assert.equal(normalizePlatform('darwin/arm64'), 'darwin/arm64');
  });
});
