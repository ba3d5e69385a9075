import { field, h } from '../dom.ts';
import { PlaygroundError } from '../public-client.ts';

/** The part of a feature's params schema (JSON Schema, from the admin features list) the form reads. */
export interface ParamSchema {
  type?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  multipleOf?: number;
  maxLength?: number;
  anyOf?: { const?: string | number }[];
  /** The contract's rule in words (e.g. a colour like "#RRGGBB"). */
  rule?: string;
}

export interface ParamsSchema {
  properties: Record<string, ParamSchema>;
  required?: string[];
}

export interface ParamFields {
  el: HTMLElement;
  /** The values given, by name; a required one left empty is a PlaygroundError naming it. */
  collect(): Record<string, unknown>;
}

/** `blur_strength` → "Blur strength". */
const labelOf = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1).replace(/_/g, ' ');

/** Long free text (prompts) gets a text area. */
const LONG_TEXT = 200;

/**
 * One control per parameter the schema describes with a simple type: a choice of constants as radio
 * buttons, numbers as number inputs with the contract's range, strings as text. Parameters other
 * widgets own (`skip`: style pickers, the extender canvas) and structured ones (lists, objects) get
 * none. The server checks every value again; the form only helps.
 */
export function paramFields(schema: ParamsSchema | undefined, skip: ReadonlySet<string>): ParamFields {
  const el = h('div', { class: 'param-fields' });
  const readers: (() => [string, unknown] | undefined)[] = [];
  const required = new Set(schema?.required ?? []);
  for (const [name, s] of Object.entries(schema?.properties ?? {})) {
    if (skip.has(name)) continue;
    const label = labelOf(name);
    const missing = () => {
      if (required.has(name)) throw new PlaygroundError('InvalidParameters', `${label} is required.`);
      return undefined;
    };
    const consts = (s.anyOf ?? []).map((c) => c.const);
    if (consts.length && consts.every((c) => c !== undefined)) {
      // The middle choice is preselected: neither extreme (enhance: 2×).
      const preset = consts[Math.floor((consts.length - 1) / 2)];
      const box = h('fieldset', { class: 'radios' }, h('legend', {}, label), consts.map((c) => h('label', {}, h('input', { type: 'radio', name, value: String(c), checked: c === preset }), ` ${c}${name === 'scale' ? '×' : ''}`)));
      el.append(box);
      readers.push(() => {
        const checked = box.querySelector('input:checked') as HTMLInputElement | null;
        if (!checked) return missing();
        return [name, typeof consts[0] === 'number' ? Number(checked.value) : checked.value];
      });
    } else if (s.type === 'integer' || s.type === 'number') {
      const input = h('input', { type: 'number', name, min: s.minimum, max: s.maximum, step: s.type === 'integer' || s.multipleOf === 1 ? 1 : 'any' });
      el.append(field(label, input, s.description));
      readers.push(() => (input.value.trim() === '' ? missing() : [name, Number(input.value)]));
    } else if (s.type === 'string') {
      const long = (s.maxLength ?? 0) > LONG_TEXT;
      const input = long ? h('textarea', { name, rows: 3, maxlength: s.maxLength }) : h('input', { type: 'text', name, placeholder: s.rule ?? '' });
      el.append(field(label, input, s.description));
      readers.push(() => (input.value.trim() === '' ? missing() : [name, input.value.trim()]));
    }
  }
  return {
    el,
    collect() {
      return Object.fromEntries(readers.map((read) => read()).filter((e): e is [string, unknown] => e !== undefined));
    },
  };
}
