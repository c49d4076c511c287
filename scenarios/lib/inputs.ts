// What the workload needs from the environment (`__ENV` in k6), checked once in the init context
// so a missing or malformed input stops the run with a sentence saying what to set. Pure.

import type { Env } from './profiles.ts';

export interface Inputs {
  /** Connect's base URL without a trailing slash. */
  server: string;
  apiKey: string;
  /** Where the Flask API lives: a full content URL (ends with `/`), or a GUID or name to resolve. */
  flask: { url: string } | { guid: string } | { name: string };
  publishContentName: string;
  /** Plumber bundle path for k6's `open()`; relative paths resolve against the script's folder. */
  plumberBundle: string;
  /** Delete the publisher's content in teardown. */
  publishCleanup: boolean;
  /**
   * PREPARED_RUN=true: the harness did setup()'s lookups once for the whole run (k6-operator runs
   * setup() and teardown() in every runner), so setup() returns these and teardown() does nothing.
   */
  prepared: { userGuid: string; connectVersion: string } | null;
}

export const DEFAULT_PUBLISH_CONTENT_NAME = 'perf-plumber-stock-api';
/** The name the harness publishes the Flask fixture under (--publish-fixtures, the stand-in). */
export const FIXTURE_FLASK_CONTENT_NAME = 'perf-flask-stock-api';
export const DEFAULT_PLUMBER_BUNDLE = '../bundles/plumber-stock-api.tar.gz';

/**
 * Connect's rule for a content name: 3 to 64 letters, digits, '-', '_' or '.'. The newest API
 * reference (https://docs.posit.co/connect/api/, version 2026.04, the content `name` field)
 * allows periods besides alphanumerics, hyphens and underscores; the 2023.09 reference allowed
 * only letters, digits, '-' and '_', so such a server refuses a name with a period (HTTP 400,
 * code 5).
 */
export const CONTENT_NAME = /^[A-Za-z0-9_.-]{3,64}$/;

/** The sentence for a name that breaks Connect's rule, or null when it keeps it. */
export function contentNameProblem(variable: string, name: string): string | null {
  if (CONTENT_NAME.test(name)) return null;
  return `${variable} must be 3 to 64 letters, digits, '-', '_' or '.' (Connect's content name rule; servers documented before periods were allowed, such as 2023.09, refuse '.'), got '${name}'.`;
}

const HTTP_URL = /^https?:\/\/[^/\s?#]+(\/[^\s?#]*)?$/;

export function readInputs(env: Env): Inputs {
  const server = required(env, 'CONNECT_SERVER', 'the Connect URL, e.g. https://connect.example.com');
  if (!HTTP_URL.test(server)) {
    throw new Error(
      `CONNECT_SERVER must be an http(s) URL such as https://connect.example.com, got '${server}'.`,
    );
  }
  const apiKey = required(env, 'CONNECT_API_KEY', 'an API key of a Connect publisher or administrator');
  return {
    server: withoutTrailingSlash(server),
    apiKey,
    flask: readFlask(env, withoutTrailingSlash(server)),
    publishContentName: readContentName(env),
    plumberBundle: (env.PLUMBER_BUNDLE ?? '').trim() || DEFAULT_PLUMBER_BUNDLE,
    publishCleanup: readFlag(env, 'PUBLISH_CLEANUP'),
    prepared: readPrepared(env),
  };
}

function readPrepared(env: Env): Inputs['prepared'] {
  if (!readFlag(env, 'PREPARED_RUN')) return null;
  if (!(env.FLASK_CONTENT_URL ?? '').trim()) {
    throw new Error('PREPARED_RUN=true needs FLASK_CONTENT_URL: the harness passes the URL it looked up.');
  }
  return {
    userGuid: required(env, 'PREPARED_USER_GUID', "the GUID of the API key's user"),
    connectVersion: (env.PREPARED_CONNECT_VERSION ?? '').trim() || 'unknown',
  };
}

/** The content URL of a GUID on a server, e.g. `https://c/content/<guid>/`. */
export function contentUrl(server: string, guid: string): string {
  return `${withoutTrailingSlash(server)}/content/${guid}/`;
}

export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function readFlask(env: Env, server: string): Inputs['flask'] {
  const url = (env.FLASK_CONTENT_URL ?? '').trim();
  const guid = (env.FLASK_CONTENT_GUID ?? '').trim();
  const name = (env.FLASK_CONTENT_NAME ?? '').trim();
  if ([url, guid, name].filter(Boolean).length > 1) {
    throw new Error(
      'Set only one of FLASK_CONTENT_URL, FLASK_CONTENT_GUID and FLASK_CONTENT_NAME: each locates the Flask API.',
    );
  }
  if (url) {
    if (!HTTP_URL.test(url)) {
      throw new Error(`FLASK_CONTENT_URL must be the full http(s) URL of the Flask content, got '${url}'.`);
    }
    return { url: `${withoutTrailingSlash(url)}/` };
  }
  if (guid) {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(guid)) {
      throw new Error(`FLASK_CONTENT_GUID must be a content GUID such as 0a1b2c3d-..., got '${guid}'.`);
    }
    return { guid };
  }
  if (name) {
    const problem = contentNameProblem('FLASK_CONTENT_NAME', name);
    if (problem) throw new Error(problem);
    return { name };
  }
  throw new Error(
    `Set FLASK_CONTENT_URL (e.g. ${server}/content/<guid>/), FLASK_CONTENT_GUID or FLASK_CONTENT_NAME to the deployed Flask stock API the fetchers load.`,
  );
}

function readContentName(env: Env): string {
  const name = (env.PUBLISH_CONTENT_NAME ?? '').trim() || DEFAULT_PUBLISH_CONTENT_NAME;
  const problem = contentNameProblem('PUBLISH_CONTENT_NAME', name);
  if (problem) throw new Error(problem);
  return name;
}

function readFlag(env: Env, name: string): boolean {
  const text = (env[name] ?? '').trim().toLowerCase();
  if (['', 'false', '0', 'no'].includes(text)) return false;
  if (['true', '1', 'yes'].includes(text)) return true;
  throw new Error(`${name} must be true or false, got '${env[name]}'.`);
}

function required(env: Env, name: string, what: string): string {
  const value = (env[name] ?? '').trim();
  if (!value) throw new Error(`${name} is not set: pass ${what} (k6 run -e ${name}=...).`);
  return value;
}
