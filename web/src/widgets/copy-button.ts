import { announce, h } from '../dom.ts';

/** Copies `value` to the clipboard; falls back to selecting the text where the Clipboard API is missing (plain http). */
export function copyButton(value: string, what: string, target?: HTMLElement): HTMLButtonElement {
  const btn = h('button', { type: 'button', class: 'small', 'aria-label': `Copy ${what}` }, 'Copy');
  btn.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
      btn.textContent = 'Copied';
      announce(`${what} copied to the clipboard`, 'success');
    } catch {
      if (target) window.getSelection()?.selectAllChildren(target);
      announce(`Select and copy the ${what} by hand (clipboard not available)`, 'info');
    }
    setTimeout(() => (btn.textContent = 'Copy'), 2000);
  });
  return btn;
}
