// The stand-in against Connect's published contract: every refusal of the 2023.09 API reference's
// error-code table that it can detect (code and HTTP status), the Base64 `X-Content-Checksum`,
// several users and ownership, the users endpoints, `owner_guid` and `include=owner`, build's 200,
// code 48, a version string clients' parsers accept, and a gzip bomb that ends promptly.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type Standin, startStandin } from '../standin/index.ts';
import { assertError, clientOf, key, readFixture, uniqueName } from './helpers/standin-client.ts';
import { bundleOf, manifestEntry, tarOf } from './hostile-archives.ts';

const patKey = 'pat-publisher-key-0123';
const quinnKey = 'quinn-publisher-key-0123';
const valKey = 'val-viewer-key-0123';

let standin: Standin;
const { call, api, createContent, upload, finish } = clientOf(() => standin);

/** A request with another user's key. */
const as = (apiKey: string, method: string, path: string, body?: unknown) =>
  call(method, `/__api__/${path}`, body === undefined ? undefined : JSON.stringify(body), {
    authorization: `Key ${apiKey}`,
  });

/** A tiny Flask bundle: enough for uploads and checksums (no deploy needed). */
const smallBundle = bundleOf([
  manifestEntry({ appmode: 'python-api', entrypoint: 'app' }),
  { path: 'app.py', body: 'from flask import Flask\napp = Flask(__name__)\n' },
  { path: 'requirements.txt', body: 'flask\n' },
]);

const uploadsLeft = (guid: string) =>
  readdirSync(standin.contentDir(guid)).filter((f) => f.startsWith('upload-'));

before(async () => {
  standin = await startStandin({
    apiKey: key,
    users: [
      { username: 'pat', role: 'publisher', apiKey: patKey },
      { username: 'quinn', role: 'publisher', apiKey: quinnKey },
      { username: 'val', role: 'viewer', apiKey: valKey },
    ],
  });
});
after(() => standin.stop());

describe('refusals of the API reference, with its codes and statuses', () => {
  const long = (n: number) => 'x'.repeat(n);
  // [what, body of POST /v1/content, HTTP status, Connect code]
  const createCases: Array<[string, Record<string, unknown>, number, number]> = [
    ['a name with a space', { name: 'has space' }, 400, 5],
    ['a name of 2 characters', { name: 'ab' }, 400, 5],
    ['a name of 65 characters', { name: long(65) }, 400, 5],
    ['a title of 2 characters', { title: 'ab' }, 400, 122],
    ['a description over 4096 characters', { description: long(4097) }, 400, 123],
    ['an unknown access type', { access_type: 'everyone' }, 400, 117],
    ['load_factor 5', { load_factor: 5 }, 400, 150],
    ['load_factor below 0', { load_factor: -0.1 }, 400, 150],
    ['idle_timeout over 2592000', { idle_timeout: 2592001 }, 400, 151],
    ['a negative connection_timeout', { connection_timeout: -1 }, 400, 151],
    ['read_timeout over 2592000', { read_timeout: 2592001 }, 400, 151],
    ['init_timeout over 2592000', { init_timeout: 2592001 }, 400, 151],
    ['max_processes 0', { max_processes: 0 }, 400, 192],
    ['a negative min_processes', { min_processes: -1 }, 400, 191],
    ['min_processes above max_processes', { min_processes: 3, max_processes: 2 }, 400, 114],
    ['a negative memory_request', { memory_request: -1 }, 400, 181],
    ['a negative memory_limit', { memory_limit: -1 }, 400, 183],
    ['memory_request above memory_limit', { memory_request: 2048, memory_limit: 1024 }, 400, 185],
    ['a negative cpu_request', { cpu_request: -1 }, 400, 186],
    ['a negative cpu_limit', { cpu_limit: -1 }, 400, 188],
    ['cpu_request above cpu_limit', { cpu_request: 2, cpu_limit: 1 }, 400, 190],
    ['a default_image_name with a space', { default_image_name: 'my image' }, 400, 193],
    ['an empty default_image_name', { default_image_name: '' }, 400, 193],
    ['a service account name that is not a DNS subdomain', { service_account_name: 'Not_DNS' }, 400, 176],
    ['run_as_current_user (no PAM login here)', { run_as_current_user: true }, 400, 54],
    [
      'run_as another Unix account (apps all run as the stand-in’s)',
      { run_as: 'no-such-account-xyz' },
      400,
      25,
    ],
    ['a string for default_py_environment_management', { default_py_environment_management: 'yes' }, 400, 25],
    ['a fraction for max_conns_per_process', { max_conns_per_process: 1.5 }, 400, 25],
  ];
  for (const [what, fields, status, code] of createCases) {
    test(`create refuses ${what}: ${status} code ${code}`, async () => {
      const body = { name: uniqueName('refused'), ...fields };
      assertError(await api('POST', 'v1/content', body), status, code);
    });
  }

  test('the limits themselves are accepted, with the reference types (booleans, nullable numbers)', async () => {
    const name = `${'a'.repeat(30)}-_${'b'.repeat(32)}`;
    assert.equal(name.length, 64);
    const created = await api('POST', 'v1/content', {
      name,
      description: long(4096),
      load_factor: 1,
      idle_timeout: 2592000,
      connection_timeout: 0,
      min_processes: 0,
      max_processes: 1,
      cpu_request: 0.5,
      cpu_limit: 0.5,
      default_py_environment_management: false,
      default_r_environment_management: null,
      max_conns_per_process: null,
    });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.default_py_environment_management, false);
    assert.equal(created.body.default_r_environment_management, null);
    assert.equal(created.body.load_factor, 1);
    assert.equal(created.body.max_conns_per_process, null);
    const dotted = await api('POST', 'v1/content', { name: `${uniqueName('v1')}.2` });
    assert.equal(dotted.status, 200, `the newest reference allows periods: ${dotted.text}`);
  });

  test('PATCH checks pairs against the values the content will have', async () => {
    const guid = await createContent(uniqueName('pairs'), { max_processes: 2 });
    assertError(await api('PATCH', `v1/content/${guid}`, { min_processes: 5 }), 400, 114);
    assertError(await api('PATCH', `v1/content/${guid}`, { load_factor: 5 }), 400, 150);
    assertError(await api('PATCH', `v1/content/${guid}`, { name: 'with/slash' }), 400, 5);
    const ok = await api('PATCH', `v1/content/${guid}`, { min_processes: 2 });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await api('GET', `v1/content/${guid}`)).body.min_processes, 2, 'nothing half-applied');
    assertError(await api('PATCH', `v1/content/${guid}`, { max_processes: 1 }), 400, 114);
    assert.equal((await api('GET', `v1/content/${guid}`)).body.max_processes, 2);
  });

  test('environment: a name twice in one PATCH or PUT is 409 code 149, and nothing changes', async () => {
    const guid = await createContent(uniqueName('env-dup'));
    const twice = [
      { name: 'A_VAR', value: '1' },
      { name: 'A_VAR', value: '2' },
    ];
    assertError(await api('PATCH', `v1/content/${guid}/environment`, twice), 409, 149);
    assertError(await api('PUT', `v1/content/${guid}/environment`, twice), 409, 149);
    assert.deepEqual((await api('GET', `v1/content/${guid}/environment`)).body, []);
  });

  test('list and query refusals: include (161), owner_guid (3), user_role (112), page_size (25)', async () => {
    assertError(await api('GET', 'v1/content?include=bogus'), 400, 161);
    assertError(await api('GET', 'v1/content?owner_guid=not-a-guid'), 400, 3);
    assertError(await api('GET', 'v1/users?user_role=king'), 400, 112);
    assertError(await api('GET', 'v1/users?page_size=501'), 400, 25);
    assertError(await api('GET', 'v1/users/not-a-guid'), 400, 3);
    assertError(await api('GET', 'v1/users/00000000-0000-0000-0000-000000000000'), 404, 4);
  });
});

describe('X-Content-Checksum: the Base64-encoded MD5 of the archive', () => {
  test('Base64 is accepted; hex, malformed and wrong sums are 400 code 104 and leave no file', async () => {
    const guid = await createContent(uniqueName('checksum'));
    const md5 = createHash('md5').update(smallBundle);
    const withSum = (sum: string) =>
      call('POST', `/__api__/v1/content/${guid}/bundles`, smallBundle, {
        authorization: `Key ${key}`,
        'x-content-checksum': sum,
      });
    const accepted = await withSum(md5.copy().digest('base64'));
    assert.equal(accepted.status, 200, accepted.text);
    assert.equal(accepted.body.metadata.archive_md5, md5.copy().digest('hex'));
    for (const sum of [
      md5.copy().digest('hex'),
      'not base64 at all',
      createHash('md5').update('other bytes').digest('base64'),
      md5.copy().digest('base64').replace(/==$/, ''),
    ]) {
      const refused = await withSum(sum);
      assertError(refused, 400, 104);
    }
    assert.deepEqual(uploadsLeft(guid), []);
    assert.equal((await api('GET', `v1/content/${guid}/bundles`)).body.length, 1, 'only the accepted one');
    const noHeader = await call('POST', `/__api__/v1/content/${guid}/bundles`, smallBundle);
    assert.equal(noHeader.status, 200, 'the header is optional');
  });
});

describe('several users', () => {
  const guidOf = async (apiKey: string) => (await as(apiKey, 'GET', 'v1/user')).body.guid as string;

  test('/v1/user answers for the key; names are unique per owner only', async () => {
    const me = await as(patKey, 'GET', 'v1/user');
    assert.equal(me.body.username, 'pat');
    assert.equal(me.body.user_role, 'publisher');
    const shared = uniqueName('same-name');
    const admins = await api('POST', 'v1/content', { name: shared });
    assert.equal(admins.status, 200, admins.text);
    const pats = await as(patKey, 'POST', 'v1/content', { name: shared });
    assert.equal(pats.status, 200, `another owner may use the name: ${pats.text}`);
    assert.equal(pats.body.owner_guid, me.body.guid);
    assert.equal(pats.body.app_role, 'owner');
    assertError(await as(patKey, 'POST', 'v1/content', { name: shared }), 409, 26);
    const other = await as(patKey, 'POST', 'v1/content', { name: uniqueName('pats-other') });
    assertError(await as(patKey, 'PATCH', `v1/content/${other.body.guid}`, { name: shared }), 409, 26);

    // owner_guid and include=owner, as posit-sdk's content.find(owner_guid=..., include="owner") sends them.
    const both = await api('GET', `v1/content?name=${shared}`);
    assert.equal(both.body.length, 2, 'an administrator sees all content');
    const one = await api('GET', `v1/content?name=${shared}&owner_guid=${me.body.guid}&include=owner`);
    assert.equal(one.body.length, 1);
    assert.equal(one.body[0].guid, pats.body.guid);
    assert.deepEqual(one.body[0].owner, {
      guid: me.body.guid,
      username: 'pat',
      first_name: me.body.first_name,
      last_name: me.body.last_name,
    });
    assert.equal(both.body[0].owner, undefined, 'no owner object without include=owner');
    const single = await api('GET', `v1/content/${pats.body.guid}?include=owner`);
    assert.equal(single.body.owner.username, 'pat');
    const pastList = await as(patKey, 'GET', `v1/content?name=${shared}`);
    assert.deepEqual(
      pastList.body.map((c: { guid: string }) => c.guid),
      [pats.body.guid],
      'a publisher sees its own acl content, not the administrator’s',
    );
  });

  test('a publisher touching another owner’s content gets 403 with Connect’s codes', async () => {
    const pat = await guidOf(patKey);
    const hidden = await createContent(uniqueName('admins-acl'));
    assertError(await as(patKey, 'GET', `v1/content/${hidden}`), 403, 19);
    assertError(await as(patKey, 'PATCH', `v1/content/${hidden}`, { title: 'Mine now' }), 403, 19);

    const openName = uniqueName('admins-open');
    const open = await createContent(openName, { access_type: 'logged_in' });
    const seen = await as(patKey, 'GET', `v1/content/${open}`);
    assert.equal(seen.status, 200, seen.text);
    assert.equal(seen.body.app_role, 'viewer');
    assertError(await as(patKey, 'PATCH', `v1/content/${open}`, { title: 'Mine now' }), 403, 21);
    assertError(await as(patKey, 'GET', `v1/content/${open}/environment`), 403, 21);
    assertError(await as(patKey, 'DELETE', `v1/content/${open}`), 403, 20);
    assertError(await upload(open, smallBundle, patKey), 403, 21);
    assertError(await as(patKey, 'POST', `v1/content/${open}/deploy`, {}), 403, 21);
    assertError(await as(patKey, 'POST', `v1/content/${open}/build`, {}), 403, 21);
    assert.equal((await api('GET', `v1/content/${open}`)).body.title, `Title of ${openName}`, 'unchanged');
    assert.deepEqual(uploadsLeft(open), []);

    // Another publisher's content: quinn's, invisible to pat.
    const quinns = await as(quinnKey, 'POST', 'v1/content', { name: uniqueName('quinns') });
    assertError(await as(patKey, 'GET', `v1/content/${quinns.body.guid}`), 403, 19);
    assert.ok(
      !(await as(patKey, 'GET', 'v1/content')).body.some(
        (c: { guid: string }) => c.guid === quinns.body.guid,
      ),
    );

    // The administrator sees and changes it, but cannot publish to it (no collaborator lists here).
    const patched = await api('PATCH', `v1/content/${quinns.body.guid}`, { title: 'Set by an admin' });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.app_role, 'none');
    assertError(await upload(quinns.body.guid, smallBundle), 403, 21);
    const patsOwn = await as(patKey, 'POST', 'v1/content', { name: uniqueName('pats-own') });
    const uploaded = await upload(patsOwn.body.guid, smallBundle, patKey);
    assert.equal(uploaded.status, 200, uploaded.text);
    assert.equal(patsOwn.body.owner_guid, pat);
  });

  test('a viewer may read but not create content (403 code 22)', async () => {
    assertError(await as(valKey, 'POST', 'v1/content', { name: uniqueName('viewers') }), 403, 22);
    const me = await as(valKey, 'GET', 'v1/user');
    assert.equal(me.body.user_role, 'viewer');
    assert.deepEqual(me.body.privileges, []);
  });

  test('content served with the key of the owner only when access_type is acl', async () => {
    const guid = await createContent(uniqueName('served-acl'));
    // Nothing deployed: the owner reaches the stand-in's 404 code 28, another user its 403.
    assertError(await call('GET', `/content/${guid}/`), 404, 28);
    assertError(
      await call('GET', `/content/${guid}/`, undefined, { authorization: `Key ${patKey}` }),
      403,
      19,
    );
  });
});

describe('the older API with several users', () => {
  test('users/current answers per key; applications filter by account_id of their owner and page by start', async () => {
    const pat = await as(patKey, 'GET', 'users/current');
    assert.equal(pat.body.username, 'pat');
    assert.equal(typeof pat.body.id, 'number');
    const name = uniqueName('legacy-pat');
    const created = await as(patKey, 'POST', 'applications', { name });
    assert.equal(created.status, 200, created.text);
    const mine = await as(
      patKey,
      'GET',
      `applications?filter=account_id:${pat.body.id}&count=100&start=0&cont=`,
    );
    assert.ok(mine.body.applications.length >= 1);
    for (const app of mine.body.applications) assert.equal(app.owner_guid, pat.body.guid);
    const record = mine.body.applications.find((a: { name: string }) => a.name === name);
    for (const field of [
      'id',
      'name',
      'title',
      'url',
      'build_status',
      'created_time',
      'last_deployed_time',
      'guid',
    ]) {
      assert.ok(field in record, `${field} in ${JSON.stringify(record)}`);
    }
    assert.equal(record.build_status, 0, 'nothing deployed yet');
    assert.equal(record.owner_username, 'pat');
    const admins = await api('GET', `applications?filter=account_id:1&filter=name:${name}`);
    assert.equal(admins.body.total, 0, 'the administrator owns no application of that name');
    const first = await api('GET', 'applications?count=1&start=0');
    const second = await api('GET', 'applications?count=1&start=1');
    assert.equal(first.body.count, 1);
    assert.ok(first.body.total >= 2);
    assert.notEqual(first.body.applications[0].id, second.body.applications[0].id, 'start pages');
  });

  test('startStandin refuses users it cannot tell apart, with one sentence', async () => {
    await assert.rejects(
      startStandin({ apiKey: key, users: [{ username: 'dup', role: 'publisher', apiKey: key }] }),
      /same API key as another user/,
    );
    await assert.rejects(
      startStandin({
        apiKey: key,
        users: [{ username: 'odd', role: 'owner' as 'viewer', apiKey: 'abcdefgh12' }],
      }),
      /role of administrator, publisher or viewer/,
    );
    await assert.rejects(
      startStandin({
        apiKey: key,
        users: [{ username: 'standin-admin', role: 'viewer', apiKey: 'abcdefgh12' }],
      }),
      /given twice/,
    );
  });
});

describe('users endpoints', () => {
  test('GET /v1/users pages as {results, current_page, total}; /v1/users/{guid} answers one', async () => {
    const all = await api('GET', 'v1/users');
    assert.equal(all.status, 200, all.text);
    assert.equal(all.body.total, 4);
    assert.equal(all.body.current_page, 1);
    assert.deepEqual(
      all.body.results.map((u: { username: string }) => u.username),
      ['standin-admin', 'pat', 'quinn', 'val'],
    );
    for (const u of all.body.results) {
      for (const field of [
        'email',
        'username',
        'first_name',
        'last_name',
        'user_role',
        'created_time',
        'guid',
      ]) {
        assert.ok(field in u, `${field} in ${JSON.stringify(u)}`);
      }
      assert.equal(u.keyDigest, undefined, 'no key material');
    }
    const page = await api('GET', 'v1/users?page_size=1&page_number=2');
    assert.deepEqual(
      { users: page.body.results.map((u: { username: string }) => u.username), page: page.body.current_page },
      { users: ['pat'], page: 2 },
    );
    assert.equal(page.body.total, 4);
    const prefixed = await api('GET', 'v1/users?prefix=QU');
    assert.deepEqual(
      prefixed.body.results.map((u: { username: string }) => u.username),
      ['quinn'],
    );
    const locked = await api('GET', 'v1/users?account_status=locked');
    assert.equal(locked.body.total, 0, 'no stand-in user is locked');
    assert.equal((await api('GET', 'v1/users?account_status=locked|licensed')).body.total, 4);
    assertError(await api('GET', 'v1/users?account_status=gone'), 400, 115);
    const twoRoles = await api('GET', 'v1/users?user_role=viewer|administrator');
    assert.deepEqual(
      twoRoles.body.results.map((u: { username: string }) => u.username),
      ['standin-admin', 'val'],
    );
    const viewers = await api('GET', 'v1/users?user_role=viewer');
    assert.deepEqual(
      viewers.body.results.map((u: { username: string }) => u.username),
      ['val'],
    );
    const pat = all.body.results[1];
    const one = await api('GET', `v1/users/${pat.guid}`);
    assert.deepEqual(one.body, pat);
  });
});

describe('clients', () => {
  test('server_settings.version parses as PEP 440 (posit-sdk) and as semver (rsconnect-python)', async () => {
    const settings = await api('GET', 'server_settings');
    const version: string = settings.body.version;
    assert.equal(settings.headers.get('x-connect-standin'), 'true');
    assert.equal(settings.body.standin, true);
    // semver 2.0.0's core: MAJOR.MINOR.PATCH, no leading zeros.
    assert.match(version, /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/);
    const pep440 = execFileSync(
      'python3',
      [
        '-c',
        'import sys; from packaging.version import Version; v = Version(sys.argv[1]); ' +
          'print(v.release, v >= Version("2025.06.0"), v > Version("2025.11.0"))',
        version,
      ],
      { encoding: 'utf8' },
    ).trim();
    assert.equal(pep440, `(${version.split('.').join(', ')}) True True`);
  });

  test('multipart upload as rsconnect-python sends it with git metadata (Connect 2025.12+)', async () => {
    const guid = await createContent(uniqueName('multipart'));
    const metadata = {
      source: 'git',
      source_repo: 'https://github.com/example/app',
      source_branch: 'main',
      source_commit: '0123456789abcdef0123456789abcdef01234567',
    };
    // rsconnect/http_support.py create_multipart_form_data: parts joined by CRLF, a 32-hex boundary.
    const boundary = 'a3f1c2d4e5b60718293a4b5c6d7e8f90';
    const body = Buffer.concat(
      [
        Buffer.from(`--${boundary}`),
        Buffer.from('Content-Disposition: form-data; name="archive"; filename="bundle.tar.gz"'),
        Buffer.from('Content-Type: application/x-tar'),
        Buffer.from(''),
        smallBundle,
        Buffer.from(`--${boundary}`),
        Buffer.from('Content-Disposition: form-data; name="metadata"'),
        Buffer.from(''),
        Buffer.from(JSON.stringify(metadata)),
        Buffer.from(`--${boundary}--`),
        Buffer.from(''),
      ].flatMap((part, i) => (i === 0 ? [part] : [Buffer.from('\r\n'), part])),
    );
    const uploaded = await call('POST', `/__api__/v1/content/${guid}/bundles`, body, {
      authorization: `Key ${key}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    });
    assert.equal(uploaded.status, 200, uploaded.text);
    assert.deepEqual(uploaded.body.metadata, {
      ...metadata,
      archive_md5: createHash('md5').update(smallBundle).digest('hex'),
      archive_sha1: createHash('sha1').update(smallBundle).digest('hex'),
    });
    assert.equal(uploaded.body.size, smallBundle.length);
    const again = await api('GET', `v1/content/${guid}/bundles/${uploaded.body.id}`);
    assert.equal(again.body.metadata.source_commit, metadata.source_commit);
    const download = await fetch(
      `${standin.url}/__api__/v1/content/${guid}/bundles/${uploaded.body.id}/download`,
      {
        headers: { authorization: `Key ${key}` },
      },
    );
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(smallBundle), 'the archive alone is kept');

    const noArchive = await call(
      'POST',
      `/__api__/v1/content/${guid}/bundles`,
      body.toString('latin1').replace('name="archive"', 'name="other"'),
      {
        authorization: `Key ${key}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
    );
    assertError(noArchive, 400, 87);
    assert.deepEqual(uploadsLeft(guid), []);
  });

  test('build answers 200 and activates by default; activate false leaves the active bundle', async () => {
    const plumber = readFixture('plumber-stock-api');
    const guid = await createContent(uniqueName('build'));
    const first = await upload(guid, plumber);
    const built = await api('POST', `v1/content/${guid}/build`, { bundle_id: first.body.id });
    assert.equal(built.status, 200, built.text);
    assert.equal((await finish(built.body.task_id)).code, 0);
    assert.equal((await api('GET', `v1/content/${guid}`)).body.bundle_id, first.body.id, 'activated');

    const second = await upload(guid, plumber);
    const draft = await api('POST', `v1/content/${guid}/build`, {
      bundle_id: second.body.id,
      activate: false,
    });
    assert.equal(draft.status, 200, draft.text);
    assert.equal((await finish(draft.body.task_id)).code, 0);
    assert.equal((await api('GET', `v1/content/${guid}`)).body.bundle_id, first.body.id, 'still the first');

    // Code 48: a Python bundle cannot be deployed onto content already deployed as Plumber.
    const python = await upload(guid, smallBundle);
    assertError(await api('POST', `v1/content/${guid}/deploy`, { bundle_id: python.body.id }), 403, 48);
    assertError(await api('POST', `v1/content/${guid}/build`, { bundle_id: python.body.id }), 403, 48);
    assert.equal((await api('GET', `v1/content/${guid}`)).body.app_mode, 'api');
  });

  test('a gzip bomb (a valid tar, then 512 MiB of zeros) is refused promptly, and no file stays', async () => {
    const tar = tarOf([
      manifestEntry({ appmode: 'python-api', entrypoint: 'app' }),
      { path: 'app.py', body: 'app = None\n' },
    ]);
    // gzip members may follow one another; every reader inflates them all as one stream.
    const zeros = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    const bomb = Buffer.concat([gzipSync(tar), ...Array.from({ length: 512 }, () => zeros)]);
    assert.ok(bomb.length < 2 * 1024 * 1024, `${bomb.length} bytes`);
    const guid = await createContent(uniqueName('bomb'));
    const refused = await upload(guid, bomb);
    assertError(refused, 400, 135);
    assert.match(refused.body.error, /inflates to more than/);
    assert.deepEqual(uploadsLeft(guid), []);
    assert.deepEqual((await api('GET', `v1/content/${guid}/bundles`)).body, []);
  });
});
