import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * ComfyUI workflow templates: API-format graphs (ComfyUI's "Save (API Format)") under
 * `workflows/comfyui/`, with `{{name}}` placeholders. A string that is exactly `{{name}}` becomes
 * the value itself (numbers stay numbers); a placeholder inside a longer string is replaced as text.
 */

export type WorkflowValues = Record<string, string | number | boolean>;
export type WorkflowGraph = Record<string, { class_type: string; inputs: Record<string, unknown>; _meta?: unknown }>;

/** `src/engines/generative/backends` and `dist/engines/generative/backends` are both four levels below the repo root. */
export const DEFAULT_WORKFLOWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../workflows/comfyui');

/** Which files are tried for a feature, most specific first. */
export function workflowCandidates(feature: string, kind: 'txt2img' | 'inpaint'): string[] {
  const names = [`${feature}.json`];
  if (feature.startsWith('hair-')) names.push('hair.json');
  names.push(`${kind}.json`);
  return names;
}

export function loadWorkflow(dir: string, feature: string, kind: 'txt2img' | 'inpaint'): { file: string; graph: WorkflowGraph } {
  for (const name of workflowCandidates(feature, kind)) {
    const file = path.join(dir, name);
    if (!existsSync(file)) continue;
    const graph = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (!isGraph(graph)) throw new Error(`${file} is not a ComfyUI API-format workflow (expected {"<node id>": {"class_type", "inputs"}})`);
    return { file, graph };
  }
  throw new Error(`no ComfyUI workflow for ${feature} in ${dir} (tried ${workflowCandidates(feature, kind).join(', ')})`);
}

function isGraph(v: unknown): v is WorkflowGraph {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  return Object.values(v).every((n) => typeof n === 'object' && n !== null && typeof (n as { class_type?: unknown }).class_type === 'string' && typeof (n as { inputs?: unknown }).inputs === 'object');
}

const WHOLE = /^\{\{(\w+)\}\}$/;
const INNER = /\{\{(\w+)\}\}/g;

/** Fills every placeholder; an unknown placeholder is an operator error worth failing loudly on. */
export function fillWorkflow(graph: WorkflowGraph, values: WorkflowValues): WorkflowGraph {
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = WHOLE.exec(v);
      if (whole) return lookup(whole[1]);
      return v.replace(INNER, (_, name: string) => String(lookup(name)));
    }
    if (Array.isArray(v)) return v.map(fill);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  const lookup = (name: string) => {
    if (!(name in values)) throw new Error(`workflow placeholder {{${name}}} has no value (known: ${Object.keys(values).join(', ')})`);
    return values[name];
  };
  return fill(graph) as WorkflowGraph;
}
