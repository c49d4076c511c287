// test-tier: unit
// `--summary-mode=full`: the per-group and per-scenario sections k6 adds after the totals, with
// the data rules of grafana/k6 internal/output/summary (which samples count where) and the layout
// of internal/js/summary.js (titles, nesting, indentation); and, in both modes, the checks of the
// totals in the order their first result came.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MetricsEngine } from '../engine/metrics/engine.ts';
import { MetricRegistry, registerBuiltins } from '../engine/metrics/registry.ts';
import { textSummary } from '../engine/summary/text.ts';
import { run, tempDir } from './engine-fixtures.ts';

const STATS = ['avg', 'max'];

function engine(breakdown: boolean): MetricsEngine {
  const registry = new MetricRegistry();
  registerBuiltins(registry);
  registry.define('waiting_custom', 'trend', 'default');
  return new MetricsEngine({ registry, thresholds: {}, summaryTrendStats: STATS, breakdown });
}

/** The samples of a small two-scenario test with nested groups (times in ms). */
function feed(m: MetricsEngine): void {
  const at = Date.now();
  const s = (metric: string, value: number, tags: Record<string, string>) =>
    m.addEntry({ metric, time: at, value, tags });
  // Scenario "left": a check in group "crocs" first, then one at its root; requests at the root
  // and in "crocs"; a check in crocs::inner.
  s('checks', 1, { scenario: 'left', group: '::crocs', check: 'croc exists' });
  s('checks', 0, { scenario: 'left', group: '', check: 'left first' });
  s('http_req_duration', 10, { scenario: 'left', group: '' });
  s('http_reqs', 1, { scenario: 'left', group: '' });
  s('http_req_duration', 30, { scenario: 'left', group: '::crocs' });
  s('http_req_blocked', 2, { scenario: 'left', group: '::crocs' });
  s('http_reqs', 1, { scenario: 'left', group: '::crocs' });
  s('waiting_custom', 7, { scenario: 'left', group: '::crocs' });
  s('checks', 0, { scenario: 'left', group: '::crocs::inner', check: 'inner fails' });
  s('group_duration', 40, { scenario: 'left', group: '::crocs' });
  s('iterations', 1, { scenario: 'left', group: '' });
  // The default scenario: a group of the test itself; setup() samples count for no group.
  s('checks', 1, { scenario: 'default', group: '::login', check: 'logged in' });
  s('http_reqs', 1, { scenario: 'default', group: '::login' });
  s('http_reqs', 1, { group: '::setup' });
  // Scenario "alpha" sorts before "left".
  s('http_reqs', 1, { scenario: 'alpha', group: '' });
  s('vus', 3, {});
}

const lines = (text: string) => text.split('\n');

/** The text summary of `m`'s samples over a 1 s test, with what full mode adds when `m` keeps it. */
function summaryOf(m: MetricsEngine): string {
  const data = m.summaryData({
    testRunDurationMs: 1000,
    isStdOutTTY: false,
    isStdErrTTY: false,
    noColor: true,
  });
  return textSummary(data, { checks: m.checksInOrder(), breakdown: m.summaryBreakdown(1000) ?? undefined });
}

describe('--summary-mode=full', () => {
  it("adds the test's groups, then each scenario by name, each with its checks, metrics and nested groups", () => {
    const m = engine(true);
    feed(m);
    const text = summaryOf(m);
    const titles = lines(text).filter((l) => /█|↳ GROUP/.test(l));
    assert.deepEqual(titles, [
      '  █ TOTAL RESULTS ',
      '  █ GROUP: login ',
      '  █ SCENARIO: alpha ',
      '  █ SCENARIO: left ',
      '    ↳ GROUP: crocs ',
      '      ↳ GROUP: inner ',
    ]);
    const left = text.slice(text.indexOf('█ SCENARIO: left'));
    // The scenario counts all of its samples (root and groups), and no sub-metric.
    assert.match(left, /\n {4}http_reqs\.+: 2 2\/s\n/);
    assert.match(left, /\n {4}checks_total\.+: 3 +3\/s\n/);
    // Its checks in the order their first result came; a failed check's detail at k6's indent.
    const leftChecks = lines(left).filter((l) => /^ {4}[✓✗] /.test(l));
    assert.deepEqual(leftChecks, ['    ✓ croc exists', '    ✗ left first', '    ✗ inner fails']);
    // The group counts its own samples only (not its sub-group's), one level deeper (6 spaces);
    // full mode shows the http_req_* timings, in the HTTP section.
    const crocs = left.slice(left.indexOf('↳ GROUP: crocs'), left.indexOf('↳ GROUP: inner'));
    assert.deepEqual(
      lines(crocs).filter((l) => l.trim() !== ''),
      [
        '↳ GROUP: crocs ',
        '      checks_total.......: 1       1/s',
        '      checks_succeeded...: 100.00% 1 out of 1',
        '      checks_failed......: 0.00%   0 out of 1',
        '      ✓ croc exists',
        '      CUSTOM',
        '      waiting_custom......: avg=7    max=7   ',
        '      HTTP',
        '      http_req_blocked....: avg=2ms  max=2ms ',
        '      http_req_duration...: avg=30ms max=30ms',
        '      http_reqs...........: 1 1/s',
      ],
    );
    const inner = left.slice(left.indexOf('↳ GROUP: inner'));
    assert.ok(lines(inner).includes('        ✗ inner fails'));
    // k6's indent for a failed check's detail line in a nested context: (2 × level + 1) × 2.
    assert.ok(lines(inner).includes('              ↳  0% — ✓ 0 / ✗ 1'), inner);
    // setup()'s sample is in the totals only; the test's group holds the default scenario's.
    const login = text.slice(text.indexOf('█ GROUP: login'), text.indexOf('█ SCENARIO: alpha'));
    assert.match(login, /http_reqs\.+: 1 /);
    assert.doesNotMatch(text, /GROUP: setup/);
    // Totals show every metric but checks and group_duration.
    const totals = text.slice(text.indexOf('█ TOTAL RESULTS'), text.indexOf('█ GROUP: login'));
    assert.match(totals, /http_req_blocked\.+:/);
    assert.doesNotMatch(totals, /group_duration/);
  });

  it('keeps no per-group figures unless asked (compact mode pays nothing for them)', () => {
    const m = engine(false);
    feed(m);
    assert.equal(m.summaryBreakdown(1000), null);
  });
});

describe('the checks of the totals', () => {
  it('are listed in the order their first result came, as k6 lists them, in compact mode too', () => {
    const m = engine(false);
    feed(m);
    const text = summaryOf(m);
    const checks = lines(text).filter((l) => /^ {4}[✓✗] /.test(l));
    // The group tree's order would put the root's own check first.
    assert.deepEqual(checks, [
      '    ✓ croc exists',
      '    ✗ left first',
      '    ✗ inner fails',
      '    ✓ logged in',
    ]);
    assert.doesNotMatch(text, /█ (GROUP|SCENARIO)/);
    assert.doesNotMatch(text, /http_req_blocked/);
  });
});

describe('--summary-mode=full on a run', () => {
  const files = tempDir();
  after(() => files.cleanup());

  it('prints the sections from the samples the VUs emitted, on both kinds of VU', async () => {
    const script = files.write(
      'full.js',
      `import { check, group } from 'k6';
import { Counter } from 'k6/metrics';
const items = new Counter('items');
export const options = {
  scenarios: {
    shop: { executor: 'per-vu-iterations', vus: 1, iterations: 3, exec: 'shop' },
    browse: { executor: 'per-vu-iterations', vus: 1, iterations: 2, exec: 'browse' },
  },
};
export function shop() {
  group('cart', () => {
    items.add(2);
    check(1, { 'cart has items': (v) => v === 1 });
  });
}
export function browse() {
  check(0, { 'page ok': (v) => v === 1 });
}
`,
    );
    for (const kind of ['async', 'sync'] as const) {
      const r = await run({ script, summaryMode: 'full', syncVus: kind === 'sync' });
      assert.equal(r.exitCode, 0, r.stderr);
      const text = r.stdout;
      const titles = lines(text).filter((l) => /█|↳ GROUP/.test(l));
      assert.deepEqual(
        titles,
        ['  █ TOTAL RESULTS ', '  █ SCENARIO: browse ', '  █ SCENARIO: shop ', '    ↳ GROUP: cart '],
        `${kind}: ${text}`,
      );
      const shop = text.slice(text.indexOf('█ SCENARIO: shop'));
      assert.match(shop, /\n {4}iterations\.+: 3 /, kind);
      const cart = shop.slice(shop.indexOf('↳ GROUP: cart'));
      assert.match(cart, /\n {6}items\.+: 6 /, kind);
      assert.ok(lines(cart).includes('      ✓ cart has items'), kind);
      const browse = text.slice(text.indexOf('█ SCENARIO: browse'), text.indexOf('█ SCENARIO: shop'));
      assert.ok(lines(browse).includes('    ✗ page ok'), kind);
      assert.doesNotMatch(browse, /items/, kind);
    }
  });
});
