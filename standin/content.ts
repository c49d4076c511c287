import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { ApiError, badParameter } from './api-error.ts';

/** Content settings a publisher may set on create or PATCH (Connect's v1 field names). */
const settingFields = [
  'connection_timeout',
  'read_timeout',
  'init_timeout',
  'idle_timeout',
  'max_processes',
  'min_processes',
  'max_conns_per_process',
  'load_factor',
  'memory_request',
  'memory_limit',
  'cpu_request',
  'cpu_limit',
  'amd_gpu_limit',
  'nvidia_gpu_limit',
] as const;
type SettingField = (typeof settingFields)[number];

const textFields = ['description', 'service_account_name', 'default_image_name', 'run_as'] as const;
type TextField = (typeof textFields)[number];

/** Booleans (or null) in Connect's reference: whether Connect restores the environment by default. */
const flagFields = ['default_r_environment_management', 'default_py_environment_management'] as const;
type FlagField = (typeof flagFields)[number];

export type AccessType = 'all' | 'logged_in' | 'acl';
const accessTypes: readonly string[] = ['all', 'logged_in', 'acl'];

export interface Content
  extends Record<SettingField, number | null>,
    Record<TextField, string | null>,
    Record<FlagField, boolean | null> {
  id: string;
  guid: string;
  name: string;
  title: string | null;
  access_type: AccessType;
  run_as_current_user: boolean;
  created_time: string;
  last_deployed_time: string | null;
  bundle_id: string | null;
  app_mode: string;
  r_version: string | null;
  py_version: string | null;
  owner_guid: string;
}

export type ContentFields = Partial<Omit<Content, 'id' | 'guid' | 'created_time' | 'owner_guid'>>;

/**
 * Connect's content name rule (error code 5): 3 to 64 characters. The 2023.09 API reference allowed
 * alphanumerics, dashes and underscores; the newest reference (https://docs.posit.co/connect/api/,
 * 2026.04, the content `name` field) also allows periods, and the stand-in answers like a current
 * Connect, so a period is accepted.
 */
const namePattern = /^[A-Za-z0-9_.-]{3,64}$/;

const integerFields: ReadonlySet<SettingField> = new Set([
  'connection_timeout',
  'read_timeout',
  'init_timeout',
  'idle_timeout',
  'max_processes',
  'min_processes',
  'max_conns_per_process',
  'memory_request',
  'memory_limit',
  'amd_gpu_limit',
  'nvidia_gpu_limit',
]);
const timeoutFields: ReadonlySet<SettingField> = new Set([
  'connection_timeout',
  'read_timeout',
  'init_timeout',
  'idle_timeout',
]);
/** Connect's largest memory setting (codes 181 and 183). */
const maxMemoryBytes = 9007198180999168;
/** A Kubernetes service account name: a DNS subdomain (RFC 1123), as code 176 requires. */
const dnsSubdomain = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const bad = (code: number, message: string) => new ApiError(400, code, message);

/** One number setting checked against the ranges of Connect's error-code table. */
function checkSetting(key: SettingField, value: number): void {
  if (timeoutFields.has(key) && (value < 0 || value > 2592000)) {
    throw bad(151, `The timeout must be between 0 and 2592000 seconds: ${key} is ${value}.`);
  }
  switch (key) {
    case 'load_factor':
      if (value < 0 || value > 1)
        throw bad(150, `The load factor must be between 0.0 and 1.0, not ${value}.`);
      return;
    case 'max_processes':
      if (value < 1) {
        throw bad(
          192,
          `Invalid MaxProcesses setting. The MaxProcesses setting must be a positive number, not ${value}.`,
        );
      }
      return;
    case 'min_processes':
      if (value < 0) {
        throw bad(
          191,
          `Invalid MinProcesses setting. The MinProcesses setting must be a positive number, not ${value}.`,
        );
      }
      return;
    case 'memory_request':
      if (value < 0 || value > maxMemoryBytes) {
        throw bad(
          181,
          `Invalid MemoryRequest setting: it cannot be less than 0 or greater than ${maxMemoryBytes}.`,
        );
      }
      return;
    case 'memory_limit':
      if (value < 0 || value > maxMemoryBytes) {
        throw bad(
          183,
          `Invalid MemoryLimit setting: it cannot be less than 0 or greater than ${maxMemoryBytes}.`,
        );
      }
      return;
    case 'cpu_request':
      if (value < 0)
        throw bad(
          186,
          `Invalid CPURequest setting. The CPURequest setting must be a positive number, not ${value}.`,
        );
      return;
    case 'cpu_limit':
      if (value < 0)
        throw bad(
          188,
          `Invalid CPULimit setting. The CPULimit setting must be a positive number, not ${value}.`,
        );
      return;
    case 'max_conns_per_process':
      if (value < 1) throw badParameter(`max_conns_per_process must be at least 1, not ${value}.`);
      return;
    default:
      if (value < 0) throw badParameter(`${key} must not be negative.`);
  }
}

/**
 * Checks a create/PATCH body and returns the fields it sets; throws Connect's error for a bad value.
 * `current` is the content being changed (PATCH): pairs such as min/max processes are checked on
 * the values the content will have.
 */
export function contentFieldsFrom(
  body: Record<string, unknown>,
  creating: boolean,
  current?: Content,
): ContentFields {
  const fields: ContentFields = {};
  if (creating || 'name' in body) {
    const name = body.name;
    if (typeof name !== 'string' || !namePattern.test(name)) {
      throw bad(
        5,
        'Application name must be between 3 and 64 alphanumeric characters, dashes, and underscores.',
      );
    }
    fields.name = name;
  }
  if ('title' in body && body.title !== null) {
    const title = body.title;
    if (typeof title !== 'string' || title.length < 3 || title.length > 1024) {
      throw bad(122, 'The content title must be between 3 and 1024 characters long.');
    }
    fields.title = title;
  } else if ('title' in body) {
    fields.title = null;
  }
  if ('access_type' in body) {
    if (typeof body.access_type !== 'string' || !accessTypes.includes(body.access_type)) {
      throw bad(117, 'Unknown access type: access_type must be one of "all", "logged_in" or "acl".');
    }
    fields.access_type = body.access_type as AccessType;
  }
  for (const key of settingFields) {
    if (!(key in body)) continue;
    const value = body[key];
    if (value !== null) {
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw badParameter(`${key} must be a number or null.`);
      if (integerFields.has(key) && !Number.isInteger(value))
        throw badParameter(`${key} must be a whole number or null.`);
      checkSetting(key, value);
    }
    fields[key] = value as number | null;
  }
  for (const key of textFields) {
    if (!(key in body)) continue;
    const value = body[key];
    if (value !== null && typeof value !== 'string') throw badParameter(`${key} must be a string or null.`);
    fields[key] = value as string | null;
  }
  for (const key of flagFields) {
    if (!(key in body)) continue;
    const value = body[key];
    if (value !== null && typeof value !== 'boolean')
      throw badParameter(`${key} must be true, false or null.`);
    fields[key] = value as boolean | null;
  }
  if (typeof fields.description === 'string' && fields.description.length > 4096) {
    throw bad(123, 'Application description must be 4096 characters or less.');
  }
  if (typeof fields.default_image_name === 'string' && !/^\S+$/.test(fields.default_image_name)) {
    throw bad(
      193,
      'When provided, the default_image_name cannot be empty and may not contain any whitespace characters.',
    );
  }
  if (typeof fields.service_account_name === 'string' && !dnsSubdomain.test(fields.service_account_name)) {
    throw bad(176, 'The specified service account name is not a valid DNS subdomain.');
  }
  if (typeof fields.run_as === 'string' && fields.run_as !== ownAccount()) {
    throw badParameter(
      `run_as: the stand-in runs every app as its own Unix account (${ownAccount()}) and cannot run as "${fields.run_as}". Leave run_as null.`,
    );
  }
  if ('run_as_current_user' in body) {
    if (typeof body.run_as_current_user !== 'boolean')
      throw badParameter('run_as_current_user must be true or false.');
    if (body.run_as_current_user) {
      throw bad(54, 'You cannot set this content to run as the current user: the stand-in has no PAM login.');
    }
    fields.run_as_current_user = false;
  }
  checkPairs({ ...current, ...fields });
  return fields;
}

/** The Unix account the stand-in (and so every app it starts) runs as. */
function ownAccount(): string {
  try {
    return userInfo().username;
  } catch {
    return '';
  }
}

/** Settings that must agree with each other, on the values the content will have. */
function checkPairs(will: Partial<Record<SettingField, number | null>>): void {
  const both = (a: SettingField, b: SettingField) =>
    typeof will[a] === 'number' && typeof will[b] === 'number' && (will[a] as number) > (will[b] as number);
  if (both('min_processes', 'max_processes')) {
    throw bad(
      114,
      `Invalid MinProcesses setting. The MinProcesses setting (${will.min_processes}) may not exceed the MaxProcesses setting (${will.max_processes}).`,
    );
  }
  if (both('memory_request', 'memory_limit')) {
    throw bad(
      185,
      'Invalid MemoryRequest setting. The MemoryRequest setting may not exceed the MemoryLimit setting.',
    );
  }
  if (both('cpu_request', 'cpu_limit')) {
    throw bad(190, 'Invalid CPURequest setting. The CPURequest setting may not exceed the CPULimit setting.');
  }
}

export function newContent(id: string, ownerGuid: string, fields: ContentFields, now: Date): Content {
  const blank = Object.fromEntries([...settingFields, ...textFields, ...flagFields].map((k) => [k, null]));
  return {
    ...(blank as Record<SettingField, null> & Record<TextField, null> & Record<FlagField, null>),
    description: '',
    title: null,
    access_type: 'acl',
    run_as_current_user: false,
    last_deployed_time: null,
    bundle_id: null,
    app_mode: 'unknown',
    r_version: null,
    py_version: null,
    ...fields,
    name: fields.name as string,
    owner_guid: ownerGuid,
    id,
    guid: randomUUID(),
    created_time: rfc3339(now),
  };
}

/** The Content object as Connect's v1 API returns it; `appRole` is the caller's relation to it. */
export function contentJson(c: Content, serverUrl: string, appRole: string): Record<string, unknown> {
  return {
    ...c,
    content_category: '',
    parameterized: false,
    cluster_name: 'Local',
    image_name: null,
    quarto_version: null,
    r_environment_management: c.app_mode === 'api' ? true : null,
    py_environment_management: c.app_mode === 'python-api' ? true : null,
    content_url: `${serverUrl}/content/${c.guid}/`,
    dashboard_url: `${serverUrl}/connect/#/apps/${c.guid}`,
    app_role: appRole,
    locked: false,
    locked_message: '',
  };
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
