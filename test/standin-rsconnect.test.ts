// R's rsconnect (Debian's r-cran-rsconnect, installed by scripts/setup-system.sh) publishing the
// Plumber fixture to the stand-in through the older /__api__/applications API, as it does to Connect.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Standin, startStandin } from '../standin/index.ts';
import { clientOf, key } from './helpers/standin-client.ts';

let standin: Standin;
const { call, api } = clientOf(() => standin);
const work = mkdtempSync(join(tmpdir(), 'standin-rsconnect-'));

before(async () => {
  standin = await startStandin({ apiKey: key });
});

after(async () => {
  await standin.stop();
  rmSync(work, { recursive: true, force: true });
});

const deployScript = `
rsconnect::addServer(paste0(Sys.getenv("STANDIN_URL"), "/__api__"), name = "standin", quiet = TRUE)
rsconnect::connectApiUser(account = "standin-admin", server = "standin", apiKey = Sys.getenv("CONNECT_API_KEY"))
ok <- rsconnect::deployApp(appDir = Sys.getenv("APP_DIR"), appName = "plumber-rsconnect", account = "standin-admin",
  server = "standin", launch.browser = FALSE, forceUpdate = TRUE, lint = FALSE)
if (!isTRUE(ok)) quit(status = 1)
`;

// rsconnect::applications() as users call it: it keeps id, name, (title,) url, build_status,
// created_time, last_deployed_time and guid of each record and builds a data frame of them.
const applicationsScript = `
apps <- rsconnect::applications(account = "standin-admin", server = "standin")
cat("columns:", paste(names(apps), collapse = ","), "\n")
for (i in seq_len(nrow(apps))) cat("app:", apps$name[i], apps$guid[i], apps$status[i], "\n")
`;

const deployWithRsconnect = (appDir: string) => runRsconnect(deployScript, appDir);

/** Runs an rsconnect script in its own R with its own config folder; the key travels in the environment. */
function runRsconnect(script: string, appDir = ''): Promise<{ code: number | null; output: string }> {
  const home = join(work, 'home');
  mkdirSync(home, { recursive: true });
  return new Promise((resolve) => {
    const child = spawn('Rscript', ['-e', script], {
      cwd: work,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        R_USER_CONFIG_DIR: join(home, 'config'),
        R_USER_DATA_DIR: join(home, 'data'),
        STANDIN_URL: standin.url,
        CONNECT_API_KEY: key,
        APP_DIR: appDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (output += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (output += t));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test("R's rsconnect deploys the Plumber fixture with deployApp(), and the API answers", async () => {
  assert.ok(
    existsSync('/usr/lib/R/site-library/rsconnect') || existsSync('/usr/local/lib/R/site-library/rsconnect'),
    "R's rsconnect is not installed: run scripts/setup-system.sh (Debian package r-cran-rsconnect).",
  );
  const appDir = join(work, 'plumber-stock-api');
  mkdirSync(appDir);
  for (const file of ['plumber.R', 'prices.csv'])
    cpSync(join('fixtures/plumber-stock-api', file), join(appDir, file));

  const first = await deployWithRsconnect(appDir);
  assert.equal(first.code, 0, first.output);
  assert.match(first.output, /\[Connect\] Application successfully deployed/);
  const listed = await api('GET', 'applications?filter=name:plumber-rsconnect&count=100&offset=0');
  assert.equal(listed.body.total, 1);
  const app = listed.body.applications[0];
  assert.equal(typeof app.id, 'number');
  assert.equal(app.url, `${standin.url}/content/${app.guid}/`);
  const content = await api('GET', `v1/content/${app.guid}`);
  assert.equal(content.body.app_mode, 'api');
  assert.deepEqual(standin.processes(), [], 'no app process right after the deploy');

  const volatility = await call('GET', `/content/${app.guid}/volatility?ticker=AAPL`);
  assert.equal(volatility.status, 200, volatility.text);
  assert.equal(String(volatility.body.ticker), 'AAPL');
  assert.ok(Number(volatility.body.volatility) > 0);

  // A second deployApp() finds the application by name and deploys a new bundle to it.
  const second = await deployWithRsconnect(appDir);
  assert.equal(second.code, 0, second.output);
  const again = await api('GET', 'applications?filter=name:plumber-rsconnect');
  assert.equal(again.body.total, 1);
  assert.notEqual(again.body.applications[0].bundle_id, app.bundle_id);
  assert.equal((await call('GET', `/content/${app.guid}/volatility?ticker=MSFT`)).status, 200);

  // applications() lists it: every field it reads is in the older API's records.
  const listedByR = await runRsconnect(applicationsScript);
  assert.equal(listedByR.code, 0, listedByR.output);
  assert.match(listedByR.output, /columns: .*\bstatus\b.*\bguid\b/);
  assert.match(listedByR.output, new RegExp(`app: plumber-rsconnect ${app.guid} 2 `));
});
