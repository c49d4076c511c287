import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { entrypointModuleFile, gunicornCommand } from '../standin/apps/python-api.ts';

describe('stand-in app launch plans', () => {
  it('finds gunicorn: GUNICORN first, then Debian’s, then PATH', () => {
    assert.equal(gunicornCommand({ GUNICORN: '/opt/venv/bin/gunicorn' }), '/opt/venv/bin/gunicorn');
    assert.equal(gunicornCommand({}), existsSync('/usr/bin/gunicorn') ? '/usr/bin/gunicorn' : 'gunicorn');
  });

  it('maps a python-api entrypoint to its module file and refuses what is not a module', () => {
    const files = new Set(['app.py', 'pkg/api.py']);
    assert.equal(entrypointModuleFile('app', files), 'app.py');
    assert.equal(entrypointModuleFile('pkg.api:create()', files), 'pkg/api.py');
    assert.throws(() => entrypointModuleFile('../evil', files), /not a Python module name/);
  });
});
