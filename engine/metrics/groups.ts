// The group/check tree of the summary (root_group), rebuilt from sample tags as k6 (≥ 0.52) rebuilds
// it (grafana/k6 lib/test_state.go, GroupSummary): only `group_duration` and `checks` samples
// count; their `group` tag holds the group path ("" at the root, "::login::cart" nested) and a
// `checks` sample's `check` tag the check name. Order is the order in which paths were first seen.
//
// setup() and teardown() run in the groups `::setup` and `::teardown` (grafana/k6
// internal/js/runner.go, runPart), so their checks and groups appear under root groups named
// `setup` and `teardown`, as in k6's handleSummary data and --summary-export.
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

export class GroupTree {
  private readonly root: GroupNode = newGroup('', '');
  private readonly byPath = new Map<string, GroupNode>([['', this.root]]);

  /** Makes sure the group at `path` (and its parents) exists; null for a path that is not one. */
  noteGroup(path: string): GroupNode | null {
    const known = this.byPath.get(path);
    if (known) return known;
    if (!path.startsWith(GROUP_SEPARATOR)) return null;
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
