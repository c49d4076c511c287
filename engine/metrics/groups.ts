// The group/check tree of the summary (root_group), rebuilt from sample tags: every sample carries
// its group path in the `group` tag ("" at the root, "::login::cart" nested), and each `checks`
// sample carries the check name in `check`. Order is the order in which paths were first seen.
//
// Groups under ::setup and ::teardown are left out, as k6 does: its setup/teardown groups are not
// linked to the root group, so their checks count in the `checks` rate but not in root_group.
import { createHash } from 'node:crypto';
import type { SummaryGroup } from './types.ts';

export const GROUP_SEPARATOR = '::';

interface CheckNode {
  name: string;
  path: string;
  passes: number;
  fails: number;
}

interface GroupNode {
  name: string;
  path: string;
  groups: Map<string, GroupNode>;
  checks: Map<string, CheckNode>;
}

function isLifecycle(path: string): boolean {
  return /^::(setup|teardown)(::|$)/.test(path);
}

export class GroupTree {
  private readonly root: GroupNode = newGroup('', '');
  private readonly byPath = new Map<string, GroupNode>([['', this.root]]);

  /** Makes sure the group at `path` (and its parents) exists; returns null for setup/teardown. */
  noteGroup(path: string): GroupNode | null {
    const known = this.byPath.get(path);
    if (known) return known;
    if (isLifecycle(path) || !path.startsWith(GROUP_SEPARATOR)) return null;
    const cut = path.lastIndexOf(GROUP_SEPARATOR);
    const parent = this.noteGroup(path.slice(0, cut));
    if (!parent) return null;
    const name = path.slice(cut + GROUP_SEPARATOR.length);
    const node = newGroup(name, path);
    parent.groups.set(name, node);
    this.byPath.set(path, node);
    return node;
  }

  noteCheck(groupPath: string, name: string, passed: boolean): void {
    const group = this.noteGroup(groupPath);
    if (!group) return;
    let check = group.checks.get(name);
    if (!check) {
      check = { name, path: groupPath + GROUP_SEPARATOR + name, passes: 0, fails: 0 };
      group.checks.set(name, check);
    }
    if (passed) check.passes++;
    else check.fails++;
  }

  toSummary(): SummaryGroup {
    return summarise(this.root);
  }
}

function newGroup(name: string, path: string): GroupNode {
  return { name, path, groups: new Map(), checks: new Map() };
}

/** k6 identifies groups and checks by the md5 of their path, in hex. */
export function pathId(path: string): string {
  return createHash('md5').update(path).digest('hex');
}

function summarise(node: GroupNode): SummaryGroup {
  return {
    name: node.name,
    path: node.path,
    id: pathId(node.path),
    groups: [...node.groups.values()].map(summarise),
    checks: [...node.checks.values()].map((c) => ({
      name: c.name,
      path: c.path,
      id: pathId(c.path),
      passes: c.passes,
      fails: c.fails,
    })),
  };
}
