// The Connect Server API's JSON shapes the suite reads (Connect's API reference,
// https://docs.posit.co/connect/api/), described once: the k6 client here and the harness's Node
// client (connect/client.ts) both use them. Types only, no imports, so the k6 bundle and Node
// share this file.

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
  /** Most processes Connect runs for this content; null = the server's default (Scheduler.MaxProcesses). */
  max_processes?: number | null;
  min_processes?: number | null;
  /** Most concurrent connections one process takes; null = Scheduler.MaxConnsPerProcess. */
  max_conns_per_process?: number | null;
  [field: string]: unknown;
}

/** Fields accepted by create and update (Connect API reference, "Create content item"). */
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

/** What `POST /v1/content/{guid}/deploy` answers. */
export interface DeployStarted {
  task_id: string;
}

/**
 * One record of `GET /v1/content/{guid}/jobs` (the fields posit-sdk-py's `jobs.py` lists): a
 * process Connect started for the content. Identifiers are strings.
 */
export interface Job {
  id: string;
  ppid?: string | null;
  pid: string;
  key: string;
  remote_id?: string | null;
  app_id?: string;
  variant_id?: string;
  bundle_id?: string;
  start_time?: string;
  /** Null while the process runs. */
  end_time: string | null;
  last_heartbeat_time?: string;
  queued_time?: string | null;
  queue_name?: string | null;
  /** e.g. `run_python_api` (Flask), `run_api` (Plumber), `python_restore` (an environment build). */
  tag: string;
  exit_code?: number | null;
  /** 0 active, 1 finished, 2 finalized. */
  status: number;
  hostname: string;
  cluster?: string | null;
  image?: string | null;
  run_as?: string;
  [field: string]: unknown;
}
