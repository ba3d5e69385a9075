import { field, h } from '../dom.ts';
import { ApiFailure } from '../admin-api.ts';
import { admin, rememberToken } from '../session.ts';

export function renderLogin(root: HTMLElement, onSignedIn: () => void): void {
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '◐'), ' Darkroom console'),
    h('p', { class: 'muted' }, 'Sign in with the admin password (config ', h('code', {}, 'admin.password'), ' or ', h('code', {}, 'DARKROOM_ADMIN_PASSWORD'), '; printed by the server on first start when unset).'),
    field('Admin password', password),
    error,
    submit,
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      const r = await admin.login(password.value);
      rememberToken(r.admin_token);
      onSignedIn();
    } catch (e) {
      error.hidden = false;
      error.textContent = e instanceof ApiFailure && e.status === 401 ? 'Wrong password.' : `Sign-in failed: ${(e as Error).message}`;
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  root.append(form);
  queueMicrotask(() => password.focus());
}
