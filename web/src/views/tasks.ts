import { clear, field, formatDuration, formatTime, h } from '../dom.ts';
import type { AdminTask } from '../admin-api.ts';
import { admin } from '../session.ts';
import { errorBox } from '../widgets/error-box.ts';
import { keySelect } from '../widgets/key-select.ts';
import { explainError } from '../error-text.ts';

export function renderTasks(root: HTMLElement): () => void {
  const filters = h('form', { class: 'inline-form', 'aria-label': 'Filter tasks' });
  const list = h('div', { class: 'table-wrap' }, h('p', { class: 'muted' }, 'Loading tasks…'));
  const limit = h('select', { name: 'limit' }, [25, 50, 100, 200].map((n) => h('option', { value: n }, String(n))));
  let clientSel: HTMLSelectElement | null = null;
  let timer: number | undefined;

  async function load(): Promise<void> {
    try {
      const { tasks } = await admin.tasks({ client_id: clientSel?.value || undefined, limit: Number(limit.value) });
      clear(list, tasksTable(tasks));
      if (tasks.some((t) => t.status === 'running' || t.status === 'queued')) timer = window.setTimeout(load, 3000);
    } catch (e) {
      clear(list, errorBox(e));
    }
  }

  void (async () => {
    try {
      const { keys } = await admin.keys();
      clientSel = keySelect(keys, null, { includeAll: 'All keys' });
      clientSel.addEventListener('change', () => void load());
    } catch {
      clientSel = null;
    }
    limit.addEventListener('change', () => void load());
    clear(filters, clientSel ? field('Key', clientSel) : null, field('Show', limit), h('button', { type: 'button', class: 'ghost', onclick: () => void load() }, 'Refresh'));
    await load();
  })();

  root.append(h('h1', {}, 'Tasks'), h('section', { class: 'card' }, filters, list));
  return () => window.clearTimeout(timer);
}

function tasksTable(tasks: AdminTask[]): HTMLElement {
  if (tasks.length === 0) return h('p', { class: 'muted' }, 'No tasks yet. Run one in the ', h('a', { href: '#/playground' }, 'playground'), '.');
  return h(
    'table',
    { 'data-testid': 'tasks-table' },
    h('caption', { class: 'sr-only' }, 'Recent tasks'),
    h('thead', {}, h('tr', {}, ['Started', 'Feature', 'Status', 'Duration', 'Cost', 'Key', 'Task'].map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      tasks.map((t) =>
        h(
          'tr',
          { 'data-task-id': t.task_id },
          h('td', {}, formatTime(t.created_at)),
          h('td', {}, h('code', {}, t.feature)),
          h('td', {}, statusBadge(t)),
          h('td', { class: 'num' }, t.finished_at ? formatDuration(t.finished_at - t.created_at) : '—'),
          h('td', { class: 'num' }, t.cost === null || t.cost === undefined ? '—' : String(t.cost)),
          h('td', {}, h('code', { class: 'clip' }, t.client_id)),
          h('td', {}, h('code', { class: 'clip' }, t.task_id)),
        ),
      ),
    ),
  );
}

function statusBadge(t: AdminTask): HTMLElement {
  const cls = t.status === 'success' ? 'good' : t.status === 'error' ? 'bad' : 'busy';
  const badge = h('span', { class: `badge ${cls}` }, t.status);
  if (t.error) return h('span', {}, badge, ' ', h('code', { title: explainError(t.error) }, t.error));
  return badge;
}
