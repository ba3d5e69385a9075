import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StylePreset } from '../engines/engine.js';
import type { DiffusionSettings } from '../engines/generative/backends/types.js';

/**
 * Style catalogs: one JSON data file per feature under `src/styles/catalog/`. A file holds
 * catalog-wide defaults, groups, and styles; a style's own fields win over its group's, which win
 * over the catalog's.
 */

export interface StyleDefaults {
  negative?: string;
  width?: number;
  height?: number;
  settings?: DiffusionSettings;
}

interface StyleFile extends StyleDefaults {
  id: number;
  title: string;
  /** Prompt template; `{prompt}` is the client's prompt (text-to-image). */
  prompt: string;
}

interface GroupFile extends StyleDefaults {
  id: number;
  title: string;
  /** Who the thumbnails show ("woman", "man"); hair catalogs only. */
  subject?: string;
  styles: StyleFile[];
}

interface CatalogFile {
  feature: string;
  title: string;
  defaults?: StyleDefaults;
  groups: GroupFile[];
}

/** A style with every default applied: what engines and the thumbnail renderer use. */
export type Style = StylePreset;

export interface StyleGroup {
  id: number;
  title: string;
  styles: Style[];
}

export interface FeatureCatalog {
  feature: string;
  title: string;
  groups: StyleGroup[];
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** From source the data sits beside this file; a `dist/` build reads it from the repo's `src/`. */
export function defaultCatalogDir(): string {
  const candidates = [path.join(HERE, 'catalog'), path.resolve(HERE, '../../src/styles/catalog')];
  return candidates.find((d) => existsSync(d)) ?? candidates[0];
}

export function loadCatalogs(dir: string = defaultCatalogDir()): Map<string, FeatureCatalog> {
  const out = new Map<string, FeatureCatalog>();
  const seen = new Map<number, string>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(dir, name);
    const raw = JSON.parse(readFileSync(file, 'utf8')) as CatalogFile;
    const catalog = resolveCatalog(raw, file);
    for (const g of catalog.groups) {
      for (const id of [g.id, ...g.styles.map((s) => s.id)]) {
        // Thumbnails are served as /static/styles/<id>.png, so ids are unique across every catalog.
        const prev = seen.get(id);
        if (prev) throw new Error(`${file}: id ${id} is already used in ${prev}`);
        seen.set(id, file);
      }
    }
    out.set(catalog.feature, catalog);
  }
  return out;
}

function resolveCatalog(raw: CatalogFile, file: string): FeatureCatalog {
  if (typeof raw.feature !== 'string' || !Array.isArray(raw.groups)) throw new Error(`${file}: expected {"feature", "groups": [...]}`);
  const d = raw.defaults ?? {};
  return {
    feature: raw.feature,
    title: raw.title,
    groups: raw.groups.map((g) => {
      checkId(g.id, file);
      return {
        id: g.id,
        title: g.title,
        styles: g.styles.map((s) => {
          checkId(s.id, file);
          if (typeof s.prompt !== 'string' || !s.prompt) throw new Error(`${file}: style ${s.id} has no prompt`);
          return {
            id: s.id,
            groupId: g.id,
            feature: raw.feature,
            title: s.title,
            promptTemplate: s.prompt,
            negativePrompt: s.negative ?? g.negative ?? d.negative ?? '',
            width: s.width ?? g.width ?? d.width ?? 1024,
            height: s.height ?? g.height ?? d.height ?? 1024,
            subject: g.subject ?? 'person',
            settings: { ...d.settings, ...g.settings, ...s.settings },
          };
        }),
      };
    }),
  };
}

function checkId(id: unknown, file: string): void {
  if (!Number.isSafeInteger(id) || (id as number) <= 0) throw new Error(`${file}: id ${String(id)} is not a positive safe integer`);
}
