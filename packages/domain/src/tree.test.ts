import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { visibleInTree, type TreeNode } from './tree.js';

const chain = (n: number): TreeNode[] =>
  Array.from({ length: n }, (_, i) => ({ id: `l${i}`, parentLocationId: i === 0 ? null : `l${i - 1}` }));

describe('visibleInTree', () => {
  it('checks each location once, however deep the chain, and lists in the given order', () => {
    const locations = chain(5000);
    let checks = 0;
    const visible = visibleInTree(locations, (l) => {
      checks++;
      return l.id === 'l4000';
    });
    assert.equal(visible.length, 1000);
    assert.equal(visible[0]?.id, 'l4000');
    assert.equal(visible.at(-1)?.id, 'l4999');
    assert.ok(checks <= locations.length, `${checks} checks for ${locations.length} locations`);
  });

  it('inherits visibility down branches and not up or across them', () => {
    const tree: TreeNode[] = [
      { id: 'root', parentLocationId: null },
      { id: 'a', parentLocationId: 'root' },
      { id: 'a1', parentLocationId: 'a' },
      { id: 'b', parentLocationId: 'root' },
      { id: 'b1', parentLocationId: 'b' },
    ];
    assert.deepEqual(
      visibleInTree(tree, (l) => l.id === 'a').map((l) => l.id),
      ['a', 'a1'],
    );
    assert.deepEqual(
      visibleInTree(tree, (l) => l.id === 'root').map((l) => l.id),
      ['root', 'a', 'a1', 'b', 'b1'],
    );
    assert.deepEqual(
      visibleInTree(tree, () => false),
      [],
    );
  });

  it('terminates on a cycle', () => {
    const loop: TreeNode[] = [
      { id: 'x', parentLocationId: 'y' },
      { id: 'y', parentLocationId: 'x' },
    ];
    const ids = visibleInTree(loop, (l) => l.id === 'x').map((l) => l.id);
    assert.ok(ids.includes('x'), `x is visible on its own, got ${ids.join(',')}`);
  });
});
