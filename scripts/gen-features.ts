/**
 * Writes the files that follow from the feature contract (src/features), so that adding a feature is
 * a contract entry and an entry file, never a second copy by hand:
 * - sdk/src/features.generated.ts: ids, segments, file sets, parameter names and their TypeScript
 *   types (from the params schemas), style catalogs and the limits the console uses. The SDK must
 *   not import server code, so the facts are copied — by this script.
 * - src/engines/features/entries.generated.ts: every contract feature's entry file, imported by id,
 *   so a feature without an entry file fails typecheck and none is left unregistered.
 * `npm run gen` rewrites both; test/sdk/generated.test.ts fails when either is stale.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { OUT_PAINT_MAX_SIDE } from '../src/features/params.js';
import { FEATURES, feature, type FileSetName } from '../src/features/table.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SDK_FEATURES_PATH = path.join(ROOT, 'sdk/src/features.generated.ts');
export const FEATURE_ENTRIES_PATH = path.join(ROOT, 'src/engines/features/entries.generated.ts');

/** Which `run` input fills each file set. */
const INPUT_OF: Record<FileSetName, 'src' | 'mask' | 'ref'> = { src_ids: 'src', mask_ids: 'mask', msk_ids: 'mask', ref_ids: 'ref' };

const q = (s: string) => `'${s}'`;
const list = (xs: readonly (string | number)[]) => `[${xs.map((x) => (typeof x === 'string' ? q(x) : String(x))).join(', ')}]`;
/** `face-swap/pre-process` → `face-swap-pre-process`: the entry file's name. */
export const entryFileOf = (id: string) => id.replace(/\//g, '-');

/** JSON schema as TypeBox writes it, read only for what the SDK's types need. */
interface Schema {
  type?: string;
  const?: unknown;
  anyOf?: Schema[];
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  description?: string;
}

const doc = (s: Schema, pad: string) => (s.description ? `${pad}/** ${s.description.replace(/\*\//g, '*\\/')} */\n` : '');
const isIdValue = (s: Schema) => s.anyOf?.length === 2 && s.anyOf.some((x) => x.type === 'integer') && s.anyOf.some((x) => x.type === 'string');
/** A tuple when the schema fixes a small length (the service's "exactly one style"), else an array. */
const SMALL_TUPLE = 4;

/**
 * The TypeScript type of a params schema as an SDK caller writes it. An integer-or-string value is
 * an id, which the SDK also takes as a bigint (`IdInput`); objects are closed (the SDK sends only
 * what the contract names, though the server tolerates extra fields).
 */
export function typeOf(schema: TSchema | Schema, pad = ''): string {
  const s = schema as Schema;
  if ('const' in s) return JSON.stringify(s.const).replace(/"/g, "'");
  if (isIdValue(s)) return 'IdInput';
  if (s.anyOf) return s.anyOf.map((x) => typeOf(x, pad)).join(' | ');
  switch (s.type) {
    case 'integer':
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'array': {
      const item = typeOf(s.items ?? {}, pad);
      if (s.minItems !== undefined && s.minItems === s.maxItems && s.minItems <= SMALL_TUPLE) return `[${Array(s.minItems).fill(item).join(', ')}]`;
      return /[|&\s]/.test(item) && !item.startsWith('{') ? `(${item})[]` : `${item}[]`;
    }
    case 'object': {
      const props = Object.entries(s.properties ?? {});
      if (props.length === 0) return 'NoParams';
      const inner = `${pad}  `;
      const required = new Set(s.required ?? []);
      const lines = props.map(([k, v]) => `${doc(v, inner)}${inner}${k}${required.has(k) ? '' : '?'}: ${typeOf(v, inner)};`);
      return `{\n${lines.join('\n')}\n${pad}}`;
    }
    default:
      throw new Error(`scripts/gen-features.ts cannot write a type for schema ${JSON.stringify(s)}: teach typeOf this kind`);
  }
}

export function sdkFeaturesSource(): string {
  const scales = (feature('enhance').params.schema.properties.scale as unknown as { anyOf: { const: number }[] }).anyOf.map((s) => s.const);
  const fileSets = [...new Set(FEATURES.flatMap((f) => f.fileSets.map((s) => s.name)))];
  const rows = FEATURES.map((f) => {
    const schema = f.params.schema;
    const required = [...(schema.required ?? [])];
    const optional = Object.keys(schema.properties).filter((k) => !required.includes(k));
    const inputs = f.fileSets.map((s) => `${INPUT_OF[s.name]}: ${q(s.name)}`).join(', ');
    const [segment, ...aliases] = f.segments;
    const parts = [`segment: ${q(segment)}`, `aliases: ${list(aliases)}`, `inputs: {${inputs ? ` ${inputs} ` : ''}}`, `requiredParams: ${list(required)}`];
    if (optional.length) parts.push(`optionalParams: ${list(optional)}`);
    parts.push(`hasStyles: ${f.styles}`);
    return `  ${q(f.id)}: { ${parts.join(', ')} },`;
  });
  const params = FEATURES.map((f) => `  /** ${f.title} */\n  ${q(f.id)}: ${typeOf(f.params.schema, '  ')};`);
  return `// Generated by scripts/gen-features.ts from src/features (the server's feature contract): do not edit.
// \`npm run gen\` rewrites it; test/sdk/generated.test.ts fails when it is stale.
import type { FeatureInfo, NoParams } from './features.js';
import type { IdInput } from './json.js';

export type FeatureId =
${FEATURES.map((f) => `  | ${q(f.id)}`).join('\n')};

export type FileSetName = ${fileSets.map(q).join(' | ')};

/** The scaling ratios AI Photo Enhance takes. */
export const ENHANCE_SCALES = ${list(scales)} as const;

/** Largest output canvas side of the image extender. */
export const OUT_PAINT_MAX_SIDE = ${OUT_PAINT_MAX_SIDE};

export const FEATURES: Readonly<Record<FeatureId, FeatureInfo>> = {
${rows.join('\n')}
};

/** Task parameters (\`actions[0].params\`) by feature, from each feature's params schema. */
export interface FeatureParams {
${params.join('\n')}
}
`;
}

export function featureEntriesSource(): string {
  const name = (id: string) => entryFileOf(id).replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  return `// Generated by scripts/gen-features.ts from src/features/table.ts: do not edit.
// \`npm run gen\` rewrites it; test/sdk/generated.test.ts fails when it is stale.
import type { FeatureId } from '../../features/table.js';
import type { FeatureEntry } from './entry.js';
${FEATURES.map((f) => `import { entry as ${name(f.id)} } from './${entryFileOf(f.id)}.js';`).join('\n')}

/** Each contract feature's entry file (\`<id>.ts\`, \`/\` as \`-\`): one missing fails typecheck here. */
export const ENTRY_BY_FEATURE: { readonly [F in FeatureId]: FeatureEntry } = {
${FEATURES.map((f) => `  ${q(f.id)}: ${name(f.id)},`).join('\n')}
};
`;
}

/** Every generated file and what it must hold. */
export const GENERATED: readonly { path: string; source: () => string }[] = [
  { path: SDK_FEATURES_PATH, source: sdkFeaturesSource },
  { path: FEATURE_ENTRIES_PATH, source: featureEntriesSource },
];

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const g of GENERATED) {
    writeFileSync(g.path, g.source());
    console.log(`wrote ${path.relative(process.cwd(), g.path)}`);
  }
}
