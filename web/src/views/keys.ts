import { announce, clear, field, formatTime, h } from '../dom.ts';
import type { AdminKey, CreatedKey } from '../admin-api.ts';
import { admin, rememberSecret, secretFor } from '../session.ts';
import { copyButton } from '../widgets/copy-button.ts';
import { errorBox } from '../widgets/error-box.ts';

export function renderKeys(root: HTMLElement): void {
  const reveal = h('div', { class: 'reveal-slot' });
  const list = h('div', { class: 'table-wrap' }, h('p', { class: 'muted' }, 'Loading keys…'));
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 100, placeholder: 'e.g. mobile-app-prod' });
  const create = h('button', { type: 'submit' }, 'Create key');
  const form = h('form', { class: 'inline-form', 'aria-label': 'Create an API key' }, field('Key name', name), create);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    create.disabled = true;
    try {
      const k = await admin.createKey(name.value.trim());
      rememberSecret({ clientId: k.client_id, clientSecret: k.client_secret, name: k.name });
      clear(reveal, secretPanel(k, () => clear(reveal)));
      name.value = '';
      announce(`Key ${k.name} created`, 'success');
      await load();
    } catch (e) {
      clear(reveal, errorBox(e));
    } finally {
      create.disabled = false;
    }
  });

  async function load(): Promise<void> {
    try {
      const { keys } = await admin.keys();
      clear(list, keysTable(keys, load));
    } catch (e) {
      clear(list, errorBox(e));
    }
  }

  root.append(
    h('h1', {}, 'API keys'),
    h('p', { class: 'muted' }, 'Each key is a client_id and an RSA client_secret. Clients sign an id_token with the secret to get an access token.'),
    h('section', { class: 'card', 'aria-labelledby': 'new-key' }, h('h2', { id: 'new-key' }, 'New key'), form, reveal),
    h('section', { class: 'card', 'aria-labelledby': 'all-keys' }, h('h2', { id: 'all-keys' }, 'All keys'), list),
  );
  void load();
}

function secretPanel(k: CreatedKey, dismiss: () => void): HTMLElement {
  const idCode = h('code', { class: 'secret', 'data-testid': 'new-client-id' }, k.client_id);
  const secretCode = h('code', { class: 'secret', 'data-testid': 'new-client-secret' }, k.client_secret);
  return h(
    'div',
    { class: 'reveal', role: 'region', 'aria-label': 'New key credentials' },
    h('p', { class: 'warning', role: 'alert' }, h('strong', {}, 'Copy the client secret now. '), 'It is shown only once; the server keeps no copy it can show again. This browser tab keeps it in memory for the playground until you close it.'),
    h('dl', {}, h('dt', {}, 'client_id'), h('dd', {}, idCode, copyButton(k.client_id, 'client_id', idCode)), h('dt', {}, 'client_secret'), h('dd', {}, secretCode, copyButton(k.client_secret, 'client_secret', secretCode))),
    h('button', { type: 'button', class: 'ghost', onclick: dismiss }, 'I have saved it'),
  );
}

function keysTable(keys: AdminKey[], reload: () => Promise<void>): HTMLElement {
  if (keys.length === 0) return h('p', { class: 'muted' }, 'No keys yet. Create one above.');
  const rows = [...keys]
    .sort((a, b) => b.created_at - a.created_at)
    .map((k) => {
      const revoke = h('button', { type: 'button', class: 'danger small', 'aria-label': `Revoke key ${k.name}` }, 'Revoke');
      revoke.addEventListener('click', async () => {
        if (!window.confirm(`Revoke key “${k.name}”? Clients using it are refused at once.`)) return;
        revoke.disabled = true;
        try {
          await admin.revokeKey(k.client_id);
          announce(`Key ${k.name} revoked`, 'success');
          await reload();
        } catch (e) {
          revoke.disabled = false;
          announce(`Revoke failed: ${(e as Error).message}`, 'error');
        }
      });
      const status = k.revoked_at ? h('span', { class: 'badge bad' }, `revoked ${formatTime(k.revoked_at)}`) : h('span', { class: 'badge good' }, 'active');
      return h(
        'tr',
        { 'data-client-id': k.client_id },
        h('th', { scope: 'row' }, k.name, secretFor(k.client_id) ? h('span', { class: 'badge', title: 'Secret known in this tab: usable in the playground' }, 'secret in tab') : null),
        h('td', {}, h('code', {}, k.client_id)),
        h('td', {}, formatTime(k.created_at)),
        h('td', { class: 'num' }, String(k.balance)),
        h('td', {}, status),
        h('td', { class: 'actions' }, h('a', { href: `#/credits?client_id=${encodeURIComponent(k.client_id)}`, class: 'button small ghost' }, 'Credits'), k.revoked_at ? null : revoke),
      );
    });
  return h(
    'table',
    {},
    h('caption', { class: 'sr-only' }, 'API keys'),
    h('thead', {}, h('tr', {}, ['Name', 'client_id', 'Created', 'Balance', 'Status', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows),
  );
}
