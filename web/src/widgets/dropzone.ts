import { h, uid } from '../dom.ts';

export interface Dropzone {
  el: HTMLElement;
  files(): File[];
}

/**
 * A file picker that also accepts drag and drop. The real <input type=file> stays in the tab order
 * (visually merged into the zone) so keyboard and screen-reader users get the native picker.
 */
export function dropzone(opts: { label: string; accept: string; multiple?: boolean; onChange: (files: File[]) => void }): Dropzone {
  let current: File[] = [];
  const id = uid('drop');
  const input = h('input', { type: 'file', id, accept: opts.accept, multiple: opts.multiple ?? false, class: 'drop-input' });
  const status = h('span', { class: 'drop-status' }, 'No file chosen');
  const zone = h(
    'div',
    { class: 'dropzone' },
    h('label', { for: id }, h('strong', {}, opts.label), h('span', { class: 'muted' }, ' — drop a file here or choose one')),
    input,
    status,
  );
  const set = (files: File[]): void => {
    current = opts.multiple ? files : files.slice(0, 1);
    status.textContent = current.length ? current.map((f) => `${f.name} (${Math.round(f.size / 1024)} KB)`).join(', ') : 'No file chosen';
    opts.onChange(current);
  };
  input.addEventListener('change', () => set([...(input.files ?? [])]));
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) set(files);
  });
  return { el: zone, files: () => current };
}
