/** Response shapes of the wire protocol, as the server sends them (snake_case kept on purpose). */
import type { Id } from './json.js';

export interface Credit {
  id: Id;
  type: 'SubsToken' | 'PaygToken' | (string & {});
  amount: number;
  /** Unix ms. */
  expiry: number;
  amount_dec?: string | number;
}

export interface HistoryEntry {
  id: Id;
  /** Unix ms. */
  timestamp: number;
  action: string;
  target_id: string;
  info?: { credits?: Array<{ id: Id; amount: number }> };
}

export interface StyleGroup {
  id: Id;
  info: { title?: string; [k: string]: unknown };
}

export interface Style {
  id: Id;
  info: { title?: string; thumb?: string; [k: string]: unknown };
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export interface UploadRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
}

export interface FileEntry {
  content_type: string;
  file_name: string;
  file_id: string;
  requests: UploadRequest[];
}

/** One entry of a finished task's `results[].data`; face detection adds fields such as `faces`/`bbox`. */
export interface ResultData {
  dst_id?: string;
  url?: string;
  [k: string]: unknown;
}

export interface ActionResult {
  id: number;
  data: ResultData[];
}

export type TaskStatus = 'running' | 'success' | 'error';

export interface TaskState {
  polling_interval?: number;
  status: TaskStatus;
  error?: string | null;
  error_message?: string | null;
  results?: ActionResult[];
  /** Darkroom extension: 0..1 while running, when the engine reports it. */
  progress?: number;
}
