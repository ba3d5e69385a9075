import './styles.css';
import { clear, h } from './dom.ts';
import { admin, signOut, whenSignedOut } from './session.ts';
import { renderLogin } from './views/login.ts';
import { renderKeys } from './views/keys.ts';
import { renderCredits } from './views/credits.ts';
import { renderPlayground } from './views/playground.ts';
import { renderTasks } from './views/tasks.ts';

/** A view draws into `root` and may return a cleanup run when the operator leaves it. */
export type View = (root: HTMLElement, query: URLSearchParams) => void | (() => void);

const ROUTES: { path: string; label: string; view: View }[] = [
  { path: 'keys', label: 'Keys', view: renderKeys },
  { path: 'credits', label: 'Credits', view: renderCredits },
  { path: 'playground', label: 'Playground', view: renderPlayground },
  { path: 'tasks', label: 'Tasks', view: renderTasks },
];

const app = document.getElementById('app')!;
let cleanup: void | (() => void);

function currentRoute(): { path: string; query: URLSearchParams } {
  const [path = '', qs = ''] = window.location.hash.replace(/^#\/?/, '').split('?');
  return { path, query: new URLSearchParams(qs) };
}

export function navigate(path: string, query?: Record<string, string>): void {
  const qs = query ? `?${new URLSearchParams(query).toString()}` : '';
  window.location.hash = `#/${path}${qs}`;
}

function render(): void {
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  if (!admin.signedIn) {
    clear(app, h('main', { id: 'main', class: 'login-main' }, renderLoginInto()), liveRegion());
    return;
  }
  const { path, query } = currentRoute();
  const route = ROUTES.find((r) => r.path === path) ?? ROUTES[0];
  const main = h('main', { id: 'main', tabindex: '-1' });
  const nav = h(
    'nav',
    { 'aria-label': 'Console sections' },
    h('ul', {}, ROUTES.map((r) => h('li', {}, h('a', { href: `#/${r.path}`, 'aria-current': r === route ? 'page' : null }, r.label)))),
  );
  const header = h(
    'header',
    { class: 'topbar' },
    h('span', { class: 'brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, '◐'), ' Darkroom'),
    nav,
    h('button', { type: 'button', class: 'ghost', onclick: () => signOut() }, 'Sign out'),
  );
  clear(app, header, main, liveRegion());
  document.title = `${route.label} · Darkroom console`;
  cleanup = route.view(main, query);
}

function renderLoginInto(): HTMLElement {
  const box = h('div');
  renderLogin(box, () => {
    if (!currentRoute().path) navigate('keys');
    else render();
  });
  return box;
}

function liveRegion(): HTMLElement {
  return h('div', { id: 'live', role: 'status', 'aria-live': 'polite', class: 'toast' });
}

whenSignedOut(render);
window.addEventListener('hashchange', render);
render();
