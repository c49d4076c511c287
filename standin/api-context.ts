import type { IncomingMessage, ServerResponse } from 'node:http';
import { unknownObject } from './api-error.ts';
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
  contentDir(guid: string): string;
  ensureContentDir(guid: string): Promise<string>;
  removeContentDir(guid: string): Promise<void>;
}

/** The publisher the API key belongs to (the stand-in has one user, an administrator). */
export const user = {
  guid: '2f4e1c0a-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
  username: 'standin-admin',
  email: 'standin-admin@localhost',
  first_name: 'Stand-in',
  last_name: 'Administrator',
  user_role: 'administrator',
  password: '',
  confirmed: true,
  locked: false,
  preferences: {},
  privileges: [
    'add_users',
    'add_vanities',
    'change_app_permissions',
    'change_apps',
    'publish_apps',
    'remove_apps',
  ],
};

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
}

export function contentOf(ctx: ApiContext, guid: string): Content {
  const content = ctx.store.content.get(guid);
  if (!content) throw unknownObject('content', guid);
  return content;
}
