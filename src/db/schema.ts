import type { Generated } from 'kysely';

/** Millisecond Unix timestamps everywhere (integers in SQLite, bigint in PostgreSQL). */
export interface ClientsTable {
  id: string;
  name: string;
  public_key: string;
  private_key_enc: string;
  webhook_secret_enc: string;
  created_at: number;
  revoked_at: number | null;
}

export interface AccessTokensTable {
  token_hash: string;
  client_id: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export interface UsedIdTokensTable {
  token_hash: string;
  client_id: string;
  expires_at: number;
}

export interface CreditLotsTable {
  id: Generated<number>;
  client_id: string;
  type: 'SubsToken' | 'PaygToken';
  amount: number;
  initial_amount: number;
  obtained_at: number;
  expiry: number;
  /** Set once the expiry sweeper has written the lot's `expire` history entry. */
  expired_at: number | null;
}

export interface CreditHistoryTable {
  id: Generated<number>;
  client_id: string;
  timestamp: number;
  action: string;
  target_id: string;
  /** JSON: `{credits: [{id, amount}]}`. */
  info: string;
}

export interface FilesTable {
  id: string;
  client_id: string;
  feature: string;
  kind: 'upload' | 'result';
  content_type: string;
  file_name: string;
  declared_size: number | null;
  size: number | null;
  storage_key: string;
  task_id: string | null;
  created_at: number;
  expires_at: number;
  deleted_at: number | null;
}

export type TaskStatus = 'running' | 'success' | 'error' | 'dropped' | 'cancelled';

export interface TasksTable {
  id: string;
  client_id: string;
  feature: string;
  request_id: string;
  /** Sorted input file ids: with client, feature and request_id, the idempotency key. */
  input_key: string;
  params_hash: string;
  /** JSON of the accepted request payload. */
  payload: string;
  status: TaskStatus;
  error: string | null;
  error_message: string | null;
  price: number;
  /** Credits held while running so that concurrent tasks can never overdraw. */
  hold: number;
  progress: number;
  /** JSON: `[{file_id, meta}]` once successful. */
  results: string | null;
  callback_url: string | null;
  created_at: number;
  finished_at: number | null;
  last_polled_at: number;
  attempts: number;
  /** Process currently running the task (worker id), for crash recovery at scale. */
  claimed_by: string | null;
  claimed_at: number | null;
}

export interface AdminSessionsTable {
  token_hash: string;
  expires_at: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  task_id: string;
  client_id: string;
  url: string;
  body: string;
  attempts: number;
  next_attempt_at: number;
  delivered_at: number | null;
  failed_at: number | null;
}

/** Processes that run engines, with their last heartbeat (wall-clock ms). */
export interface WorkersTable {
  id: string;
  hostname: string;
  pid: number;
  started_at: number;
  heartbeat_at: number;
}

export interface Database {
  clients: ClientsTable;
  access_tokens: AccessTokensTable;
  used_id_tokens: UsedIdTokensTable;
  credit_lots: CreditLotsTable;
  credit_history: CreditHistoryTable;
  files: FilesTable;
  tasks: TasksTable;
  admin_sessions: AdminSessionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  workers: WorkersTable;
}
