import type { StylePreset } from '../engine.js';

/** Fills `{prompt}` (the client's words) into a style's template. */
export function renderPrompt(style: StylePreset, userPrompt = ''): string {
  const text = style.promptTemplate.includes('{prompt}') ? style.promptTemplate.replaceAll('{prompt}', userPrompt.trim()) : style.promptTemplate;
  return text.replace(/^[\s,]+/, '').trim();
}
