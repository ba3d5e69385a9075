import { DomainError } from '../errors.js';
import { loadCatalogs, type FeatureCatalog, type Style } from './catalog.js';

/**
 * What the style-discovery routes call:
 * `GET /s2s/v1.0/task/style-group/{feature}` → listStyleGroups,
 * `GET /s2s/v1.0/task/style/{feature}?style_group_id=` → listStyles.
 */

export type StyleErrorCode = 'InvalidStyleGroup' | 'InvalidStyle' | 'InvalidParameters';

/** Unknown feature/group/style or a bad page token (answered as HTTP 400 with `code` as `error_code`). */
export class StyleCatalogError extends DomainError {
  declare readonly code: StyleErrorCode;
  constructor(code: StyleErrorCode, message: string) {
    super(code, message);
    this.name = 'StyleCatalogError';
  }
}

export interface PageOptions {
  /** 1..20, default 20 (source document). */
  pageSize?: number | string;
  /** `next_token` of the previous page. */
  startingToken?: string;
  /** Prefix for thumbnail paths, e.g. the server's public URL; thumbnails are `/static/styles/<id>.png`. */
  baseUrl?: string;
}

export interface StyleGroupPage {
  groups: { id: number; info: { title: string } }[];
  next_token?: string;
}

export interface StylePage {
  styles: { id: number; info: { title: string; thumb: string } }[];
  next_token?: string;
}

export const MAX_PAGE_SIZE = 20;

export function thumbnailPath(styleId: number): string {
  return `/static/styles/${styleId}.png`;
}

function parsePageSize(v: PageOptions['pageSize']): number {
  if (v === undefined || v === '') return MAX_PAGE_SIZE;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw new StyleCatalogError('InvalidParameters', `page_size must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  return n;
}

/** Page tokens are the id of the first item of the next page, like the vendor's numeric tokens. */
function page<T extends { id: number }>(items: T[], opts: PageOptions): { items: T[]; next_token?: string } {
  const size = parsePageSize(opts.pageSize);
  let start = 0;
  if (opts.startingToken !== undefined && opts.startingToken !== '' && opts.startingToken !== 'null') {
    start = items.findIndex((x) => String(x.id) === String(opts.startingToken).trim());
    if (start < 0) throw new StyleCatalogError('InvalidParameters', `starting_token ${opts.startingToken} is not a token this list gave`);
  }
  const slice = items.slice(start, start + size);
  const next = items[start + size];
  return next ? { items: slice, next_token: String(next.id) } : { items: slice };
}

/** Accepts the id as a number or numeric string (clients echo ids in either form). */
export function parseId(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && /^\d{1,16}$/.test(v.trim())) {
    const n = Number(v.trim());
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/**
 * The style catalogs of the styled features, loaded once by the process that serves them (app.ts)
 * and handed to the routes and the task runner: no module holds them.
 */
export class StylesCatalog {
  constructor(private readonly catalogs: ReadonlyMap<string, FeatureCatalog> = loadCatalogs()) {}

  featuresWithStyles(): string[] {
    return [...this.catalogs.keys()];
  }

  private catalogOf(feature: string): FeatureCatalog {
    const c = this.catalogs.get(feature);
    if (!c) throw new StyleCatalogError('InvalidStyleGroup', `${feature} has no style catalog`);
    return c;
  }

  listStyleGroups(feature: string, opts: PageOptions = {}): StyleGroupPage {
    const { items, next_token } = page(this.catalogOf(feature).groups, opts);
    const out: StyleGroupPage = { groups: items.map((g) => ({ id: g.id, info: { title: g.title } })) };
    if (next_token) out.next_token = next_token;
    return out;
  }

  listStyles(feature: string, groupId: unknown, opts: PageOptions = {}): StylePage {
    const id = parseId(groupId);
    const group = id === undefined ? undefined : this.catalogOf(feature).groups.find((g) => g.id === id);
    if (!group) throw new StyleCatalogError('InvalidStyleGroup', `style_group_id ${String(groupId)} is not a style group of ${feature}`);
    const base = (opts.baseUrl ?? '').replace(/\/+$/, '');
    const { items, next_token } = page(group.styles, opts);
    const out: StylePage = { styles: items.map((s) => ({ id: s.id, info: { title: s.title, thumb: base + thumbnailPath(s.id) } })) };
    if (next_token) out.next_token = next_token;
    return out;
  }

  /** A style of the feature (any group). */
  getStyle(feature: string, styleId: unknown): Style {
    const id = parseId(styleId);
    for (const g of this.catalogOf(feature).groups) {
      const s = id === undefined ? undefined : g.styles.find((x) => x.id === id);
      if (s) return s;
    }
    throw new StyleCatalogError('InvalidStyle', `style ${String(styleId)} is not a style of ${feature}`);
  }

  /**
   * `style_group_id` + `style_ids: [one id]` → the style, or StyleCatalogError (InvalidStyleGroup /
   * InvalidStyle) naming what is wrong.
   */
  resolveStyleParams(feature: string, params: Record<string, unknown>): Style {
    const groupId = parseId(params.style_group_id);
    if (groupId === undefined) throw new StyleCatalogError('InvalidStyleGroup', 'style_group_id is required (an integer id from the style-group list)');
    const ids = params.style_ids;
    if (!Array.isArray(ids) || ids.length !== 1) throw new StyleCatalogError('InvalidStyle', 'style_ids must hold exactly one style id');
    const style = this.getStyle(feature, ids[0]);
    if (style.groupId !== groupId) throw new StyleCatalogError('InvalidStyle', `style ${style.id} is not in style group ${groupId}`);
    return style;
  }

  /** Every style of every catalog, for the thumbnail renderer. */
  allStyles(feature?: string): Style[] {
    const list = feature ? [this.catalogOf(feature)] : [...this.catalogs.values()];
    return list.flatMap((c) => c.groups.flatMap((g) => g.styles));
  }
}
