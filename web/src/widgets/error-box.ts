import { h } from '../dom.ts';
import { ApiFailure } from '../admin-api.ts';
import { PlaygroundError } from '../public-client.ts';
import { explainError } from '../error-text.ts';

/** Shows an error with its spec code and a plain explanation. */
export function errorBox(e: unknown): HTMLElement {
  let code: string | undefined;
  let message = e instanceof Error ? e.message : String(e);
  if (e instanceof ApiFailure || e instanceof PlaygroundError) code = e.code;
  if (!code && e instanceof TypeError) message = `Could not reach the server (${message}).`;
  return h(
    'div',
    { class: 'error-box', role: 'alert' },
    h('p', {}, code ? h('code', { class: 'error-code', 'data-testid': 'error-code' }, code) : null, ' ', message),
    code ? h('p', { class: 'muted' }, explainError(code)) : null,
  );
}
