import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, unknownObject } from './api-error.ts';
import type { BundleLimits } from './archive/limits.ts';
import type { Content } from './content.ts';
import type { Deployer } from './deployer.ts';
import type { Store } from './store.ts';
import type { TaskBoard } from './tasks.ts';

export interface ApiContext {
  store: Store;
  tasks: TaskBoard;
  deployer: Deployer;
  limits: BundleLimits;
  url: string;
  startedAt: Date;
  /** Every user, the administrator of `StandinOptions.apiKey` first. */
  users: StandinUser[];
  contentDir(guid: string): string;
  ensureContentDir(guid: string): Promise<string>;
  removeContentDir(guid: string): Promise<void>;
}

export type UserRole = 'administrator' | 'publisher' | 'viewer';

/** A user of the stand-in; each has one API key (kept only as its SHA-256 digest). */
export interface StandinUser {
  guid: string;
  /** The numeric id the older API uses (R's rsconnect stores it as accountId). */
  id: number;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  user_role: UserRole;
  keyDigest: Buffer;
}

/** The first user, whose key is `StandinOptions.apiKey`: an administrator with a fixed GUID. */
export const adminGuid = '2f4e1c0a-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

const privilegesOf: Record<UserRole, string[]> = {
  administrator: [
    'add_users',
    'add_vanities',
    'change_app_permissions',
    'change_apps',
    'publish_apps',
    'remove_apps',
  ],
  publisher: ['add_vanities', 'change_app_permissions', 'change_apps', 'publish_apps', 'remove_apps'],
  viewer: [],
};

/** The User object of `GET /v1/users` and `/v1/users/{guid}`. */
export function userJson(u: StandinUser, since: string): Record<string, unknown> {
  return {
    email: u.email,
    username: u.username,
    first_name: u.first_name,
    last_name: u.last_name,
    user_role: u.user_role,
    created_time: since,
    updated_time: since,
    active_time: null,
    confirmed: true,
    locked: false,
    guid: u.guid,
  };
}

/** `GET /v1/user`: the key's own user, with the fields only the owner sees. */
export function currentUserJson(u: StandinUser, since: string, now: string): Record<string, unknown> {
  return {
    ...userJson(u, since),
    active_time: now,
    password: '',
    preferences: {},
    privileges: privilegesOf[u.user_role],
  };
}

/** The `owner` object `?include=owner` adds to a content item. */
export const ownerJson = (u: StandinUser) => ({
  guid: u.guid,
  username: u.username,
  first_name: u.first_name,
  last_name: u.last_name,
});

export const canPublish = (u: StandinUser) => u.user_role !== 'viewer';

/**
 * Who may see a content item's record: its owner, administrators, and anyone when its access type is
 * `all` or `logged_in` (the stand-in keeps no access lists, so `acl` content is its owner's alone).
 */
export const canSee = (u: StandinUser, c: Content) =>
  u.user_role === 'administrator' || c.owner_guid === u.guid || c.access_type !== 'acl';

/** Owner or administrator: may change settings, environment variables, and delete. */
export const canManage = (u: StandinUser, c: Content) =>
  u.user_role === 'administrator' || c.owner_guid === u.guid;

/** The content of `guid`, or Connect's 404 (unknown) or 403 code 19 (not visible to this user). */
export function contentOf(ctx: ApiContext, guid: string, user: StandinUser): Content {
  const content = ctx.store.content.get(guid);
  if (!content) throw unknownObject('content', guid);
  if (!canSee(user, content)) {
    throw new ApiError(403, 19, `You don't have permission to access this item: content ${guid}.`);
  }
  return content;
}

/** As contentOf, and the user may change it (code 21) or delete it (code 20). */
export function managedContent(
  ctx: ApiContext,
  guid: string,
  user: StandinUser,
  action: 'change' | 'remove' = 'change',
): Content {
  const content = contentOf(ctx, guid, user);
  if (!canManage(user, content)) {
    throw action === 'remove'
      ? new ApiError(403, 20, `You don't have permission to remove this item: content ${guid}.`)
      : new ApiError(403, 21, `You don't have permission to change this item: content ${guid}.`);
  }
  return content;
}

/**
 * As contentOf, for uploading bundles and deploying: only the owner. Connect's reference: "Publishers
 * with collaborator rights to this content (including the owner) are permitted to upload deployment
 * bundles" and "Administrators must be a collaborator for a content item before they receive upload
 * rights"; the stand-in has no collaborators.
 */
export function publishedContent(ctx: ApiContext, guid: string, user: StandinUser): Content {
  const content = contentOf(ctx, guid, user);
  if (content.owner_guid !== user.guid) {
    throw new ApiError(
      403,
      21,
      `You don't have permission to change this item: only the owner of content ${guid} may publish to it here.`,
    );
  }
  return content;
}

export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ApiContext,
  params: Params,
) => Promise<void>;
export interface Params {
  ids: string[];
  query: URLSearchParams;
  abort: AbortSignal;
  /** The user whose API key made the request. */
  user: StandinUser;
}
