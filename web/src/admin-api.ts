/** The Darkroom admin API (`/admin/v1`): same envelope as the public API, bearer admin token. */
import type { ParamsSchema } from './widgets/param-fields.ts';

export type CreditType = 'SubsToken' | 'PaygToken';

export interface AdminKey {
  client_id: string;
  name: string;
  created_at: number;
  revoked_at: number | null;
  balance: number;
}

export interface CreatedKey {
  client_id: string;
  client_secret: string;
  name: string;
}

export interface CreditLot {
  id: number;
  type: CreditType;
  amount: number;
  expiry: number;
}

export interface CreditHistoryEntry {
  id: number;
  timestamp: number;
  action: string;
  target_id: string;
  info?: { credits?: { id: number; amount: number }[] };
}

export interface AdminTask {
  task_id: string;
  client_id: string;
  feature: string;
  status: string;
  error: string | null;
  created_at: number;
  finished_at: number | null;
  cost: number | null;
}

export interface FeatureFileSet {
  name: 'src_ids' | 'mask_ids' | 'msk_ids' | 'ref_ids';
  required: boolean;
  role: 'image' | 'mask' | 'video';
  max_files?: number;
  /** What a person is asked to give for this set (from the feature contract); null: named by its role. */
  label?: string | null;
}

export interface AdminFeature {
  id: string;
  title: string;
  segments: string[];
  file_sets: FeatureFileSet[];
  limits: { formats?: string[]; maxBytes?: number; maxLongSide?: number; max_bytes?: number; max_long_side?: number; [k: string]: unknown };
  price: number;
  available: boolean;
  reason?: string | null;
  /** What runs it on this server (model and runtime), when the engine says. */
  implementation?: string | null;
  /** What would serve it better, and how to get it. */
  upgrade?: string | null;
  /** A model on its way that will upgrade this feature (first start's background download). */
  upgrading?: string | null;
  styles: boolean | unknown;
  /** `actions[0].params` as the feature contract states it (JSON Schema): the playground builds its form from it. */
  params_schema?: ParamsSchema;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

/** Reads the `{status, result}` / `{status, error, error_code}` envelope; throws ApiFailure on any error. */
export async function readEnvelope<T>(res: Response): Promise<T> {
  let body: { status?: number; result?: T; error?: string; error_code?: string } | undefined;
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new ApiFailure(res.status, undefined, `HTTP ${res.status} ${res.statusText || ''}`.trim());
  }
  const status = body?.status ?? res.status;
  if (!res.ok || status >= 400) throw new ApiFailure(status, body?.error_code, body?.error ?? `HTTP ${status}`);
  return body?.result as T;
}

export class AdminApi {
  constructor(
    private readonly baseUrl: string,
    private token: string | null = null,
    /** Called when the server says the admin token is no longer valid, so the UI can sign out. */
    private readonly onUnauthorized: () => void = () => {},
  ) {}

  get signedIn(): boolean {
    return this.token !== null;
  }

  setToken(token: string | null): void {
    this.token = token;
  }

  async login(password: string): Promise<{ admin_token: string; expires_in: number }> {
    const r = await this.call<{ admin_token: string; expires_in: number }>('POST', '/login', { password }, false);
    this.token = r.admin_token;
    return r;
  }

  keys(): Promise<{ keys: AdminKey[] }> {
    return this.call('GET', '/keys');
  }

  createKey(name: string): Promise<CreatedKey> {
    return this.call('POST', '/keys', { name });
  }

  revokeKey(clientId: string): Promise<{ client_id: string; revoked_at: number }> {
    return this.call('POST', `/keys/${encodeURIComponent(clientId)}/revoke`, {});
  }

  grantCredits(clientId: string, grant: { amount: number; type: CreditType; expires_in_days: number }): Promise<CreditLot> {
    return this.call('POST', `/keys/${encodeURIComponent(clientId)}/credits`, grant);
  }

  credits(clientId: string): Promise<{ credits: CreditLot[]; history: CreditHistoryEntry[] }> {
    return this.call('GET', `/keys/${encodeURIComponent(clientId)}/credits`);
  }

  tasks(query: { client_id?: string; limit?: number } = {}): Promise<{ tasks: AdminTask[] }> {
    const qs = new URLSearchParams();
    if (query.client_id) qs.set('client_id', query.client_id);
    if (query.limit) qs.set('limit', String(query.limit));
    const q = qs.toString();
    return this.call('GET', `/tasks${q ? `?${q}` : ''}`);
  }

  features(): Promise<{ features: AdminFeature[] }> {
    return this.call('GET', '/features');
  }

  private async call<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && this.token) headers.Authorization = `Bearer ${this.token}`;
    const res = await fetch(`${this.baseUrl}/admin/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    try {
      return await readEnvelope<T>(res);
    } catch (e) {
      if (auth && e instanceof ApiFailure && e.status === 401) this.onUnauthorized();
      throw e;
    }
  }
}
