import { randomUUID } from 'node:crypto';
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

const textFields = [
  'description',
  'service_account_name',
  'default_image_name',
  'default_r_environment_management',
  'default_py_environment_management',
  'run_as',
] as const;
type TextField = (typeof textFields)[number];

export type AccessType = 'all' | 'logged_in' | 'acl';
const accessTypes: readonly string[] = ['all', 'logged_in', 'acl'];

export interface Content extends Record<SettingField, number | null>, Record<TextField, string | null> {
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
}

export type ContentFields = Partial<Omit<Content, 'id' | 'guid' | 'created_time'>>;

const namePattern = /^[A-Za-z0-9_.-]{3,64}$/;

/** Checks a create/PATCH body and returns the fields it sets; throws Connect's error for a bad value. */
export function contentFieldsFrom(body: Record<string, unknown>, creating: boolean): ContentFields {
  const fields: ContentFields = {};
  if (creating || 'name' in body) {
    const name = body.name;
    if (typeof name !== 'string' || !namePattern.test(name)) {
      throw new ApiError(
        400,
        5,
        'The requested name is invalid: use 3 to 64 characters of letters, digits, "-", "_" or ".".',
      );
    }
    fields.name = name;
  }
  if ('title' in body && body.title !== null) {
    const title = body.title;
    if (typeof title !== 'string' || title.length < 3 || title.length > 1024) {
      throw new ApiError(400, 122, 'The content title must be between 3 and 1024 characters long.');
    }
    fields.title = title;
  } else if ('title' in body) {
    fields.title = null;
  }
  if ('access_type' in body) {
    if (typeof body.access_type !== 'string' || !accessTypes.includes(body.access_type)) {
      throw new ApiError(
        400,
        117,
        'Unknown access type: access_type must be one of "all", "logged_in" or "acl".',
      );
    }
    fields.access_type = body.access_type as AccessType;
  }
  for (const key of settingFields) {
    if (!(key in body)) continue;
    const value = body[key];
    if (value !== null && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      throw badParameter(`${key} must be a non-negative number or null.`);
    }
    fields[key] = value as number | null;
  }
  for (const key of textFields) {
    if (!(key in body)) continue;
    const value = body[key];
    if (value !== null && typeof value !== 'string') throw badParameter(`${key} must be a string or null.`);
    fields[key] = value as string | null;
  }
  if ('run_as_current_user' in body) fields.run_as_current_user = body.run_as_current_user === true;
  return fields;
}

export function newContent(id: string, fields: ContentFields, now: Date): Content {
  const blank = Object.fromEntries([...settingFields, ...textFields].map((k) => [k, null]));
  return {
    ...(blank as Record<SettingField, null> & Record<TextField, null>),
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
    id,
    guid: randomUUID(),
    created_time: rfc3339(now),
  };
}

/** The Content object as Connect's v1 API returns it. */
export function contentJson(c: Content, serverUrl: string, ownerGuid: string): Record<string, unknown> {
  return {
    ...c,
    content_category: '',
    parameterized: false,
    cluster_name: 'Local',
    image_name: null,
    quarto_version: null,
    r_environment_management: c.app_mode === 'api' ? true : null,
    py_environment_management: c.app_mode === 'python-api' ? true : null,
    owner_guid: ownerGuid,
    content_url: `${serverUrl}/content/${c.guid}/`,
    dashboard_url: `${serverUrl}/connect/#/apps/${c.guid}`,
    app_role: 'owner',
    locked: false,
    locked_message: '',
  };
}

export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
