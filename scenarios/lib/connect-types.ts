// The Connect Server API's JSON shapes the suite reads (connect-api-facts §1), described once:
// the k6 client here and the harness's Node client both use them. Types only, no imports, so the
// k6 bundle and Node share this file.

export interface ServerSettings {
  version: string;
  hostname?: string;
  [field: string]: unknown;
}

export interface User {
  guid: string;
  username: string;
  user_role: string;
  locked?: boolean;
  confirmed?: boolean;
}

export interface Content {
  guid: string;
  name: string;
  title: string | null;
  access_type: string;
  app_mode: string;
  bundle_id: string | null;
  owner_guid: string;
  content_url: string;
  [field: string]: unknown;
}

/** Fields accepted by create and update (connect-api-facts §1.4). */
export interface ContentFields {
  name?: string;
  title?: string;
  description?: string;
  access_type?: 'all' | 'logged_in' | 'acl';
  [field: string]: unknown;
}

export interface Bundle {
  id: string;
  content_guid: string;
  size?: number;
  [field: string]: unknown;
}

export interface Task {
  id: string;
  output: string[];
  finished: boolean;
  code: number;
  error: string;
  last: number;
}
