import type { Logger } from 'pino';
import type { KeysService } from '../auth/keys.service.js';
import type { TokensService } from '../auth/tokens.service.js';
import type { CreditsService } from '../billing/credits.service.js';
import type { StylesCatalog } from '../styles/service.js';
import type { DarkroomConfig } from '../config.js';
import type { Db } from '../db/connect.js';
import type { EngineRegistry } from '../engines/registry.js';
import type { FilesService } from '../files/files.service.js';
import type { LocalDiskStorage } from '../storage/local-disk.js';
import type { TaskQueue } from '../tasks/queue.js';
import type { TasksService } from '../tasks/tasks.service.js';
import type { Clock } from '../util/clock.js';
import type { AdminService } from '../auth/admin.service.js';

/** Everything the HTTP layer talks to; built once in app.ts. */
export interface ApiServices {
  config: DarkroomConfig;
  log: Logger;
  clock: Clock;
  db: Db;
  keys: KeysService;
  tokens: TokensService;
  credits: CreditsService;
  files: FilesService;
  tasks: TasksService;
  queue: TaskQueue;
  /** Engines in this process, when it runs them; feature availability is read from here. */
  engines?: EngineRegistry;
  /** Set when storage is the local disk: the API serves signed upload/download URLs itself. */
  localStorage?: LocalDiskStorage;
  admin: AdminService;
  /** The style catalogs of the styled features. */
  styles: StylesCatalog;
  /** Redis client for shared rate-limit counters (scale mode). */
  rateLimitRedis?: unknown;
}
