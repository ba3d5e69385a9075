import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kind, type TObject, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FEATURES } from '../features/table.js';
import { ConfigSchema, NON_CONFIG_ENV, type DarkroomConfig, type KeySchema } from './schema.js';

/**
 * Loading: schema defaults, overridden by an optional JSON file (`DARKROOM_CONFIG`, else
 * `<dataDir>/darkroom.json`), overridden by environment variables, overridden by the caller's
 * overrides (tests, embedding). The merged result is checked against the schema; every problem is
 * reported at once, naming the key and where its value came from.
 */

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };
export type ConfigOverrides = DeepPartial<DarkroomConfig>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Tree = Record<string, unknown>;
const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);
const isObjectSchema = (s: TSchema): s is TObject => s[Kind] === 'Object';

interface Leaf {
  key: string[];
  schema: KeySchema;
}

/** Every key of the schema that is not itself a group of keys. */
function leaves(schema: TObject, prefix: string[] = []): Leaf[] {
  return Object.entries(schema.properties).flatMap(([name, s]) =>
    isObjectSchema(s) ? leaves(s, [...prefix, name]) : [{ key: [...prefix, name], schema: s as KeySchema }],
  );
}

const LEAVES = leaves(ConfigSchema);
const ENV_KEYS = new Map(LEAVES.flatMap((l) => (l.schema.env ?? []).map((name) => [name, l] as const)));

/** All env variable names the configuration reads, for docs and the unknown-variable check. */
export const CONFIG_ENV_NAMES: readonly string[] = [...ENV_KEYS.keys()];

function setIn(tree: Tree, key: string[], value: unknown): void {
  let node = tree;
  for (const part of key.slice(0, -1)) node = (node[part] = isTree(node[part]) ? node[part] : {}) as Tree;
  node[key[key.length - 1]] = value;
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/** Turns an env string into the key's type; what cannot be converted stays a string for the schema check to refuse. */
function fromEnvString(schema: TSchema, raw: string): unknown {
  const v = raw.trim();
  switch (schema[Kind]) {
    case 'Integer':
    case 'Number':
      return /^-?\d+(\.\d+)?(e\d+)?$/i.test(v) ? Number(v) : raw;
    case 'Boolean':
      return TRUE.includes(v.toLowerCase()) ? true : FALSE.includes(v.toLowerCase()) ? false : raw;
    case 'Array':
      return v.split(',').map((s) => s.trim()).filter(Boolean);
    default:
      return raw;
  }
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  const distance = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0];
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length];
  };
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 4)) + 1;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}
const didYouMean = (word: string, candidates: readonly string[], prefix = '') => {
  const c = closest(word, candidates);
  return c ? ` (did you mean ${prefix}${c}?)` : '';
};

/** Values from the environment, with the variable each one came from. */
function readEnv(env: NodeJS.ProcessEnv, problems: string[]): { tree: Tree; origin: Map<string, string> } {
  const tree: Tree = {};
  const origin = new Map<string, string>();
  for (const leaf of LEAVES) {
    // The first declared name wins (DARKROOM_PORT over PORT).
    const name = leaf.schema.env?.find((n) => env[n] !== undefined && env[n] !== '');
    if (!name) continue;
    setIn(tree, leaf.key, fromEnvString(leaf.schema, env[name]!));
    origin.set(leaf.key.join('.'), `environment variable ${name}`);
  }
  for (const name of Object.keys(env)) {
    if (!name.startsWith('DARKROOM_') || ENV_KEYS.has(name)) continue;
    if (NON_CONFIG_ENV.some((known) => (typeof known === 'string' ? known === name : known.test(name)))) continue;
    problems.push(`unknown environment variable ${name}${didYouMean(name, CONFIG_ENV_NAMES)}`);
  }
  return { tree, origin };
}

/** Reports keys the schema does not have (a typo'd key would otherwise be ignored silently). */
function unknownKeys(value: unknown, schema: TSchema, at: string[], source: string, problems: string[]): void {
  if (!isTree(value) || !isObjectSchema(schema)) return;
  const known = Object.keys(schema.properties);
  for (const [k, v] of Object.entries(value)) {
    const key = [...at, k];
    if (!(k in schema.properties)) problems.push(`unknown key "${key.join('.')}" in ${source}${didYouMean(k, known, at.map((p) => `${p}.`).join(''))}`);
    else unknownKeys(v, schema.properties[k], key, source, problems);
  }
}

function merge(base: Tree, over: Tree, source: string, origin: Map<string, string>, at: string[] = []): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const key = [...at, k];
    if (isTree(v) && isTree(out[k])) out[k] = merge(out[k] as Tree, v, source, origin, key);
    else {
      out[k] = v;
      origin.set(key.join('.'), source);
    }
  }
  return out;
}

/** Where the value at `key` (or the group holding it) came from. */
function sourceOf(key: string[], origin: Map<string, string>): string {
  for (let n = key.length; n > 0; n--) {
    const s = origin.get(key.slice(0, n).join('.'));
    if (s) return s;
  }
  return 'the defaults';
}

/** Where the keys of a group came from, for a key missing from it. */
function groupSource(group: string[], origin: Map<string, string>): string {
  const prefix = `${group.join('.')}.`;
  const sources = new Set([...origin].filter(([k]) => k.startsWith(prefix)).map(([, s]) => s));
  return sources.size ? [...sources].join(', ') : sourceOf(group, origin);
}

function schemaAt(key: string[]): KeySchema | undefined {
  let s: TSchema | undefined = ConfigSchema;
  for (const part of key) s = s && isObjectSchema(s) ? s.properties[part] : undefined;
  return s as KeySchema | undefined;
}

function expectation(schema: KeySchema | undefined, fallback: string): string {
  if (!schema) return fallback;
  if (schema.anyOf) return `expected one of ${(schema.anyOf as TSchema[]).map((s) => JSON.stringify(s.const)).join(', ')}`;
  const range = [schema.minimum !== undefined ? `≥ ${schema.minimum}` : '', schema.maximum !== undefined ? `≤ ${schema.maximum}` : ''].filter(Boolean).join(' and ');
  switch (schema[Kind]) {
    case 'Integer':
      return `expected an integer${range ? ` ${range}` : ''}`;
    case 'Number':
      return `expected a number${range ? ` ${range}` : ''}`;
    case 'Boolean':
      return `expected true or false (env: ${[...TRUE, ...FALSE].join('/')})`;
    default:
      return fallback.charAt(0).toLowerCase() + fallback.slice(1);
  }
}

function valueProblems(config: unknown, origin: Map<string, string>): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const e of Value.Errors(ConfigSchema, config)) {
    const key = e.path.split('/').filter(Boolean);
    const name = key.join('.') || '(root)';
    if (seen.has(name)) continue; // a union reports once per member
    seen.add(name);
    const schema = schemaAt(key);
    if (e.value === undefined) problems.push(`${name} is required${schema?.env ? ` (set ${schema.env[0]})` : ''}, missing in ${groupSource(key.slice(0, -1), origin)}`);
    else problems.push(`${name} = ${JSON.stringify(e.value)} from ${sourceOf(key, origin)}: ${expectation(schema, e.message)}`);
  }
  return problems;
}

function priceProblems(config: DarkroomConfig, origin: Map<string, string>): string[] {
  const ids: string[] = FEATURES.map((f) => f.id);
  return Object.keys(config.prices)
    .filter((id) => !ids.includes(id))
    .map((id) => `unknown feature "${id}" in prices, from ${sourceOf(['prices', id], origin)}${didYouMean(id, ids)}`);
}

function readFile(file: string, problems: string[]): Tree {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    problems.push(`${file} is not valid JSON: ${(e as Error).message}`);
    return {};
  }
  if (!isTree(parsed)) {
    problems.push(`${file} must hold a JSON object`);
    return {};
  }
  return parsed;
}

/** Fills the values that depend on others (paths under the data directory). */
export function finalizeConfig(cfg: DarkroomConfig): DarkroomConfig {
  const dataDir = path.resolve(cfg.dataDir);
  return {
    ...cfg,
    dataDir,
    // Empty stays empty: signed URLs then follow the origin of each request (api/request-origin.ts).
    publicUrl: cfg.publicUrl.replace(/\/+$/, ''),
    databaseUrl: cfg.databaseUrl || `sqlite:${path.join(dataDir, 'darkroom.db')}`,
    engines: { ...cfg.engines, modelsDir: cfg.engines.modelsDir || path.join(dataDir, 'models') },
  };
}

/** Every default, before any file or environment. */
export const DEFAULTS: DarkroomConfig = Value.Default(ConfigSchema, {}) as DarkroomConfig;

/** Loads, checks and completes the configuration; throws ConfigError listing every problem. */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): DarkroomConfig {
  const problems: string[] = [];
  const fromEnv = readEnv(env, problems);
  const origin = new Map<string, string>();
  const dataDir = (overrides.dataDir ?? fromEnv.tree.dataDir ?? DEFAULTS.dataDir) as string;
  const file = path.resolve(env.DARKROOM_CONFIG || path.join(dataDir, 'darkroom.json'));
  const fileSource = `config file ${file}`;
  const fromFile = readFile(file, problems);
  unknownKeys(fromFile, ConfigSchema, [], fileSource, problems);
  unknownKeys(overrides, ConfigSchema, [], 'the overrides', problems);

  let merged = merge({}, fromFile, fileSource, origin);
  merged = merge(merged, fromEnv.tree, '', new Map());
  for (const [k, s] of fromEnv.origin) origin.set(k, s);
  merged = merge(merged, overrides as Tree, 'the overrides', origin);
  // Unknown keys were reported above; cleaning them keeps the value errors about real keys.
  const config = Value.Default(ConfigSchema, Value.Clean(ConfigSchema, structuredClone(merged)));
  problems.push(...valueProblems(config, origin));
  if (problems.length === 0) problems.push(...priceProblems(config as DarkroomConfig, origin));
  if (problems.length > 0) throw new ConfigError(problems);
  return finalizeConfig(config as DarkroomConfig);
}
