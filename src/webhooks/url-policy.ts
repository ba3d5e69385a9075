import { lookup } from 'node:dns/promises';
import { lookup as lookupCallback, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

const v4FromBits = (hi: number, lo: number): IPv4 => new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);

/**
 * The IPv4 addresses an IPv6 address reaches, for every form that carries one: mapped
 * (::ffff:a.b.c.d), translated (::ffff:0:a.b.c.d), compatible (::a.b.c.d), NAT64 (64:ff9b::/96),
 * 6to4 (2002:AABB:CCDD::/48) and Teredo (2001::/32: the server in bits 32–63, the client in the
 * last 32 bits, inverted). `null`: not one of these forms. `'refuse'`: a form whose IPv4 address
 * cannot be known from the address alone (local-use NAT64, 64:ff9b:1::/48, where the operator's
 * translator picks the prefix length and may reach its own network).
 */
function embeddedIpv4(a: IPv6): IPv4[] | null | 'refuse' {
  const p = a.parts;
  const range = a.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145') return [v4FromBits(p[6], p[7])];
  if (p.slice(0, 6).every((x) => x === 0)) return [v4FromBits(p[6], p[7])];
  if (range === 'rfc6052') return p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0 && p[1] === 0xff9b && p[0] === 0x64 ? [v4FromBits(p[6], p[7])] : 'refuse';
  if (range === '6to4') return [v4FromBits(p[1], p[2])];
  if (range === 'teredo') return [v4FromBits(p[2], p[3]), v4FromBits(~p[6] & 0xffff, ~p[7] & 0xffff)];
  return null;
}

/** 2000::/3, the only IPv6 block allocated for global unicast. */
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/**
 * Whether a callback may connect to this address: public unicast only (ipaddr.js ranges: no
 * loopback, private, link-local, CGNAT, benchmarking 198.18/15, IETF 192.0.0/24, documentation,
 * multicast, reserved, unique- or site-local, discard 100::/64…), judged on the IPv4 address
 * inside any IPv6 form that carries one.
 */
export function isPublicAddress(ip: string): boolean {
  if (!ipaddr.isValid(ip)) return false;
  const addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv4') return addr.range() === 'unicast';
  const v6 = addr as IPv6;
  const inner = embeddedIpv4(v6);
  if (inner === 'refuse') return false;
  if (inner) return inner.every((v4) => v4.range() === 'unicast');
  return v6.range() === 'unicast' && v6.match(GLOBAL_UNICAST);
}

export const isPrivateAddress = (ip: string): boolean => !isPublicAddress(ip);

/**
 * A callback URL is the one place the server connects where a client chose. It must be http(s) and,
 * unless the operator allows private networks, resolve only to public addresses (no SSRF into the
 * operator's network). Delivery checks again at connect time (`safeLookup`), so a DNS answer that
 * changes between the two lookups cannot slip through.
 */
export async function checkCallbackUrl(raw: string, allowPrivate: boolean): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'callback_url is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'callback_url must be http or https';
  if (url.username || url.password) return 'callback_url must not carry credentials';
  if (allowPrivate) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) return 'callback_url host does not resolve';
  if (addresses.some(isPrivateAddress)) return 'callback_url must point to a public address';
  return undefined;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http.request that refuses private addresses at the moment of connecting. */
export function safeLookup(hostname: string, options: { all?: boolean }, callback: LookupCallback): void {
  lookupCallback(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    if (list.length === 0 || list.some((a) => isPrivateAddress(a.address))) {
      return callback(Object.assign(new Error('callback_url resolves to a private address'), { code: 'EPRIVATE' }), []);
    }
    if (options.all) return callback(null, list);
    callback(null, list[0].address, list[0].family);
  });
}
