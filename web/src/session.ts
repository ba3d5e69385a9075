/**
 * What the console remembers. The admin token lives in sessionStorage (gone when the tab closes);
 * client secrets of keys created here live only in memory, because the server shows them once and
 * a page reload should not leave them lying in storage.
 */
import { AdminApi } from './admin-api.ts';

const TOKEN_KEY = 'darkroom.adminToken';

export interface KnownSecret {
  clientId: string;
  clientSecret: string;
  name: string;
}

const secrets = new Map<string, KnownSecret>();
let onSignOut: () => void = () => {};

export const baseUrl = window.location.origin;

export const admin = new AdminApi(baseUrl, sessionStorage.getItem(TOKEN_KEY), () => signOut());

export function rememberToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  admin.setToken(token);
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  admin.setToken(null);
  onSignOut();
}

export function whenSignedOut(fn: () => void): void {
  onSignOut = fn;
}

export function rememberSecret(s: KnownSecret): void {
  secrets.set(s.clientId, s);
}

export function knownSecrets(): KnownSecret[] {
  return [...secrets.values()];
}

export function secretFor(clientId: string): KnownSecret | undefined {
  return secrets.get(clientId);
}
