import { announce, clear, field, formatTime, h } from '../dom.ts';
import type { CreditHistoryEntry, CreditLot, CreditType } from '../admin-api.ts';
import { admin } from '../session.ts';
import { errorBox } from '../widgets/error-box.ts';
import { keySelect } from '../widgets/key-select.ts';

const PAGE_SIZE = 10;

export function renderCredits(root: HTMLElement, query: URLSearchParams): void {
  const picker = h('div', { class: 'inline-form' }, h('p', { class: 'muted' }, 'Loading keys…'));
  const detail = h('div');
  root.append(h('h1', {}, 'Credits'), h('section', { class: 'card', 'aria-label': 'Choose a key' }, picker), detail);

  void (async () => {
    try {
      const { keys } = await admin.keys();
      if (keys.length === 0) {
        clear(picker, h('p', { class: 'muted' }, 'No keys yet. ', h('a', { href: '#/keys' }, 'Create one'), ' first.'));
        return;
      }
      const initial = query.get('client_id') ?? keys.find((k) => !k.revoked_at)?.client_id ?? keys[0].client_id;
      const sel = keySelect(keys, initial);
      sel.addEventListener('change', () => void showKey(sel.value));
      clear(picker, field('Key', sel));
      await showKey(sel.value);
    } catch (e) {
      clear(picker, errorBox(e));
    }
  })();

  async function showKey(clientId: string): Promise<void> {
    clear(detail, h('p', { class: 'muted' }, 'Loading credits…'));
    try {
      const { credits, history } = await admin.credits(clientId);
      clear(detail, lotsSection(credits), grantSection(clientId, () => showKey(clientId)), historySection(history));
    } catch (e) {
      clear(detail, errorBox(e));
    }
  }
}

function lotsSection(lots: CreditLot[]): HTMLElement {
  const total = lots.reduce((s, l) => s + l.amount, 0);
  const body =
    lots.length === 0
      ? h('p', { class: 'muted' }, 'No credit lots. Grant some below.')
      : h(
          'table',
          {},
          h('caption', { class: 'sr-only' }, 'Credit lots'),
          h('thead', {}, h('tr', {}, ['Lot', 'Type', 'Amount', 'Expires'].map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            {},
            lots.map((l) => h('tr', {}, h('td', {}, `#${l.id}`), h('td', {}, l.type === 'SubsToken' ? 'Subscription' : 'Pay as you go'), h('td', { class: 'num' }, String(l.amount)), h('td', {}, formatTime(l.expiry)))),
          ),
        );
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'lots-title' },
    h('h2', { id: 'lots-title' }, 'Balance ', h('span', { class: 'balance', 'data-testid': 'balance' }, String(total)), ' credits'),
    h('div', { class: 'table-wrap' }, body),
  );
}

function grantSection(clientId: string, reload: () => Promise<void>): HTMLElement {
  const amount = h('input', { type: 'number', name: 'amount', min: 1, step: 1, value: '100', required: true, inputmode: 'numeric' });
  const type = h('select', { name: 'type' }, h('option', { value: 'PaygToken' }, 'Pay as you go (PaygToken)'), h('option', { value: 'SubsToken' }, 'Subscription (SubsToken)'));
  const days = h('input', { type: 'number', name: 'expires_in_days', min: 1, step: 1, value: '365', required: true, inputmode: 'numeric' });
  const submit = h('button', { type: 'submit' }, 'Grant credits');
  const msg = h('div');
  const form = h('form', { class: 'inline-form', 'aria-label': 'Grant credits' }, field('Amount', amount), field('Type', type), field('Expires in (days)', days), submit);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    try {
      const lot = await admin.grantCredits(clientId, { amount: Number(amount.value), type: type.value as CreditType, expires_in_days: Number(days.value) });
      announce(`Granted ${lot.amount} credits (lot #${lot.id})`, 'success');
      await reload();
    } catch (e) {
      clear(msg, errorBox(e));
      submit.disabled = false;
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'grant-title' }, h('h2', { id: 'grant-title' }, 'Grant credits'), form, msg);
}

function historySection(history: CreditHistoryEntry[]): HTMLElement {
  const sorted = [...history].sort((a, b) => b.timestamp - a.timestamp);
  const table = h('div', { class: 'table-wrap' });
  const pager = h('div', { class: 'pager' });
  let page = 0;
  const pages = Math.max(1, Math.ceil(sorted.length / PAGE_SIZE));

  function draw(): void {
    const rows = sorted.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    clear(
      table,
      rows.length === 0
        ? h('p', { class: 'muted' }, 'No credit history yet.')
        : h(
            'table',
            { 'data-testid': 'credit-history' },
            h('caption', { class: 'sr-only' }, 'Credit history'),
            h('thead', {}, h('tr', {}, ['When', 'Action', 'Target', 'Credits'].map((c) => h('th', { scope: 'col' }, c)))),
            h(
              'tbody',
              {},
              rows.map((r) => {
                const delta = (r.info?.credits ?? []).reduce((s, c) => s + c.amount, 0);
                return h(
                  'tr',
                  { 'data-action': r.action },
                  h('td', {}, formatTime(r.timestamp)),
                  h('td', {}, h('code', {}, r.action)),
                  h('td', {}, h('code', { class: 'clip' }, r.target_id || '—')),
                  h('td', { class: `num ${delta < 0 ? 'neg' : 'pos'}` }, delta > 0 ? `+${delta}` : String(delta)),
                );
              }),
            ),
          ),
    );
    clear(
      pager,
      h('button', { type: 'button', class: 'small ghost', disabled: page === 0, onclick: () => { page -= 1; draw(); } }, '← Newer'),
      h('span', { 'aria-live': 'polite' }, `Page ${page + 1} of ${pages}`),
      h('button', { type: 'button', class: 'small ghost', disabled: page >= pages - 1, onclick: () => { page += 1; draw(); } }, 'Older →'),
    );
  }
  draw();
  return h('section', { class: 'card', 'aria-labelledby': 'history-title' }, h('h2', { id: 'history-title' }, 'History'), table, pager);
}
