import { h } from '../dom.ts';
import type { AdminKey } from '../admin-api.ts';

/** A select of keys; revoked ones are marked so nobody grants credits to a dead key by mistake. */
export function keySelect(keys: AdminKey[], selected: string | null, opts: { includeAll?: string } = {}): HTMLSelectElement {
  const sel = h('select', { name: 'client_id' });
  if (opts.includeAll !== undefined) sel.append(h('option', { value: '' }, opts.includeAll));
  for (const k of keys) {
    const label = `${k.name} (${k.client_id.slice(0, 12)}${k.client_id.length > 12 ? '…' : ''})${k.revoked_at ? ' — revoked' : ''}`;
    sel.append(h('option', { value: k.client_id, selected: k.client_id === selected }, label));
  }
  return sel;
}
