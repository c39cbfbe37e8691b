/**
 * Visibility in the location tree. A grant on a location covers everything below it, and `can` holds for
 * a scope as soon as it holds for any one resource in it, so a location is visible when it is visible on
 * its own (its own grants, its organizations) or its parent is. That makes one pass over the tree enough:
 * each location's own check runs at most once, however deep the chain.
 */
export interface TreeNode {
  readonly id: string;
  readonly parentLocationId: string | null;
}

export function visibleInTree<L extends TreeNode>(all: readonly L[], visibleAlone: (location: L) => boolean): L[] {
  const byId = new Map(all.map((l) => [l.id, l]));
  const visible = new Map<string, boolean>();
  for (const start of all) {
    // Walk up to the first location already decided (or the top), then decide the path on the way down.
    const path: L[] = [];
    const onPath = new Set<string>();
    let inherited = false;
    for (let at: L | undefined = start; at !== undefined; at = at.parentLocationId === null ? undefined : byId.get(at.parentLocationId)) {
      const known = visible.get(at.id);
      if (known !== undefined) {
        inherited = known;
        break;
      }
      // A damaged tree with a cycle is treated as if the loop had a top.
      if (onPath.has(at.id)) break;
      onPath.add(at.id);
      path.push(at);
    }
    for (const location of path.reverse()) {
      inherited = inherited || visibleAlone(location);
      visible.set(location.id, inherited);
    }
  }
  return all.filter((l) => visible.get(l.id) === true);
}
