import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { entrypointModuleFile } from '../standin/apps/python-api.ts';
import { basePython } from '../standin/environment.ts';

describe('stand-in app launch plans', () => {
  it('builds environments with PYTHON first, then Debian’s python3, then PATH', () => {
    assert.equal(basePython({ PYTHON: '/opt/python/bin/python3' }), '/opt/python/bin/python3');
    assert.equal(basePython({}), existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  });

  it('maps a python-api entrypoint to its module file and refuses what is not a module', () => {
    const files = new Set(['app.py', 'pkg/api.py']);
    assert.equal(entrypointModuleFile('app', files), 'app.py');
    assert.equal(entrypointModuleFile('pkg.api:create()', files), 'pkg/api.py');
    assert.throws(() => entrypointModuleFile('../evil', files), /not a Python module name/);
  });
});
