import { clear, h, uid } from '../dom.ts';
import type { PublicClient, Style, StyleGroup } from '../public-client.ts';
import { errorBox } from './error-box.ts';

export interface StylePicker {
  el: HTMLElement;
  selection(): { style_group_id: number; style_ids: number[] } | null;
}

/**
 * Style groups as a select, and the group's styles as a radio group of thumbnails (arrow keys move
 * between them like any radio group). Styles come from the public API, as a client would see them.
 */
export function stylePicker(client: PublicClient, feature: string): StylePicker {
  const el = h('fieldset', { class: 'style-picker' }, h('legend', {}, 'Style'), h('p', { class: 'muted' }, 'Loading styles…'));
  let groupId: number | null = null;
  let styleId: number | null = null;
  const name = uid('style');

  const showGroup = async (grid: HTMLElement, gid: number): Promise<void> => {
    groupId = gid;
    styleId = null;
    clear(grid, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const styles: Style[] = await client.styles(feature, gid);
      clear(
        grid,
        styles.map((s, i) => {
          const radio = h('input', { type: 'radio', name, value: String(s.id), checked: i === 0, class: 'sr-only-input' });
          if (i === 0) styleId = s.id;
          radio.addEventListener('change', () => (styleId = s.id));
          return h('label', { class: 'style-tile' }, radio, s.thumb ? h('img', { src: s.thumb, alt: '', loading: 'lazy' }) : h('span', { class: 'thumb-missing', 'aria-hidden': 'true' }, '◐'), h('span', {}, s.title));
        }),
      );
      if (styles.length === 0) clear(grid, h('p', { class: 'muted' }, 'This group has no styles.'));
    } catch (e) {
      clear(grid, errorBox(e));
    }
  };

  void (async () => {
    try {
      const groups: StyleGroup[] = await client.styleGroups(feature);
      if (groups.length === 0) {
        clear(el, h('legend', {}, 'Style'), h('p', { class: 'muted' }, 'No style groups for this feature.'));
        return;
      }
      const sel = h('select', { id: uid('group') }, groups.map((g) => h('option', { value: String(g.id) }, g.title)));
      const grid = h('div', { class: 'style-grid', role: 'radiogroup', 'aria-label': 'Styles' });
      sel.addEventListener('change', () => void showGroup(grid, Number(sel.value)));
      clear(el, h('legend', {}, 'Style'), h('div', { class: 'field' }, h('label', { for: sel.id }, 'Style group'), sel), grid);
      await showGroup(grid, groups[0].id);
    } catch (e) {
      clear(el, h('legend', {}, 'Style'), errorBox(e));
    }
  })();

  return {
    el,
    selection: () => (groupId !== null && styleId !== null ? { style_group_id: groupId, style_ids: [styleId] } : null),
  };
}
