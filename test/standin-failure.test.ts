import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appFailure } from '../standin/app-failure.ts';

const workerTraceback = [
  '[2026-11-30 14:34:49 +0000] [6281] [ERROR] Exception in worker process',
  'Traceback (most recent call last):',
  '  File "/usr/lib/python3/dist-packages/gunicorn/arbiter.py", line 589, in spawn_worker',
  '    worker.init_process()',
  '  File "/srv/app.py", line 1, in <module>',
  '    raise RuntimeError("boom at import")',
  'RuntimeError: boom at import',
  '[2026-11-30 14:34:49 +0000] [6281] [INFO] Worker exiting (pid: 6281)',
];
const masterHalt = [
  'Traceback (most recent call last):',
  '  File "/usr/lib/python3/dist-packages/gunicorn/arbiter.py", line 209, in run',
  '    self.manage_workers()',
  "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>",
  '[2026-11-30 14:34:49 +0000] [6279] [INFO] Reason: Worker failed to boot.',
];

describe("the app's own failure in its output", () => {
  it("names the app's exception whether gunicorn's master wrote before or after the worker", () => {
    assert.equal(appFailure([...workerTraceback, ...masterHalt]), 'RuntimeError: boom at import');
    assert.equal(appFailure([...masterHalt, ...workerTraceback]), 'RuntimeError: boom at import');
  });

  it('finds the exception line when log lines of other processes cut into the traceback', () => {
    const cut = [...workerTraceback];
    cut.splice(4, 0, '[2026-11-30 14:34:49 +0000] [6282] [INFO] Booting worker with pid: 6282');
    cut.splice(7, 0, '[2026-11-30 14:34:49 +0000] [6279] [WARNING] Worker with pid 6282 was terminated');
    assert.equal(appFailure([...cut, ...masterHalt]), 'RuntimeError: boom at import');
  });

  it('takes the last exception of a chained traceback and exceptions without a message', () => {
    const chained = [
      'Traceback (most recent call last):',
      '  File "app.py", line 2, in <module>',
      "KeyError: 'PORT'",
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "app.py", line 4, in <module>',
      'pkg.errors.ConfigMissing: PORT is not set',
    ];
    assert.equal(appFailure(chained), 'pkg.errors.ConfigMissing: PORT is not set');
    assert.equal(
      appFailure(['Traceback (most recent call last):', '  File "a.py"', 'KeyboardInterrupt']),
      'KeyboardInterrupt',
    );
  });

  it("falls back to gunicorn's own exception when the app raised none", () => {
    assert.equal(
      appFailure(masterHalt),
      "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>",
    );
  });

  it("joins R's error message and its continuation lines", () => {
    const r = [
      'Error in stopOnLine(lineNum, file[lineNum], e) : ',
      "  Error on line #0: '' - Error in eval(expr, envir): boom in R",
      'Calls: <Anonymous> ... tryCatchList -> tryCatchOne -> <Anonymous> -> stopOnLine',
      'Execution halted',
    ];
    assert.equal(
      appFailure(r),
      "Error in stopOnLine(lineNum, file[lineNum], e): Error on line #0: '' - Error in eval(expr, envir): boom in R",
    );
    assert.equal(
      appFailure(["Error: object 'x' not found", 'Execution halted']),
      "Error: object 'x' not found",
    );
  });

  it('says nothing when the output holds no error', () => {
    assert.equal(
      appFailure(['[INFO] Starting gunicorn 20.1.0', 'Listening at: http://127.0.0.1:1']),
      undefined,
    );
  });
});
