import { isIP } from 'node:net';
import type { Networks } from '../auth/networks.js';

/** Who sent a request, and over what, as far as the server can believe it. */
export interface Client {
  readonly address: string;
  readonly https: boolean;
}

/**
 * The client of a request. Forwarding headers (`Forwarded`, else `X-Forwarded-For` and
 * `X-Forwarded-Proto`) are believed only when the peer is a trusted proxy; the client is then the
 * nearest address in the chain that is not itself a trusted proxy, so a client cannot pass for
 * another by sending the header itself. Allow-lists, rate limits, the audit log and causes all use it.
 */
export function clientOf(peer: string, header: (name: string) => string | undefined, trusted: Networks, viaTls: boolean): Client {
  if (!trusted.includes(peer)) return { address: peer, https: viaTls };
  const forwarded = header('forwarded');
  const hops = forwarded !== undefined ? forwardedFor(forwarded) : (header('x-forwarded-for') ?? '').split(',').map(normalise).filter((hop) => hop !== '');
  let address = peer;
  for (let index = hops.length - 1; index >= 0; index--) {
    const hop = hops[index] as string;
    if (isIP(hop) === 0) break;
    address = hop;
    if (!trusted.includes(hop)) break;
  }
  const proto = forwarded !== undefined ? lastProto(forwarded) : header('x-forwarded-proto')?.split(',').at(-1)?.trim();
  return { address, https: proto === undefined ? viaTls : proto.toLowerCase() === 'https' };
}

/** The `for=` values of an RFC 7239 `Forwarded` header, in order. */
function forwardedFor(header: string): string[] {
  const hops: string[] = [];
  for (const element of header.split(',')) {
    for (const pair of element.split(';')) {
      const [name, value] = pair.split('=') as [string, string | undefined];
      if (name.trim().toLowerCase() === 'for' && value !== undefined) hops.push(normalise(value));
    }
  }
  return hops;
}

function lastProto(header: string): string | undefined {
  let proto: string | undefined;
  for (const element of header.split(',')) {
    for (const pair of element.split(';')) {
      const [name, value] = pair.split('=') as [string, string | undefined];
      if (name.trim().toLowerCase() === 'proto' && value !== undefined) proto = value.trim().replace(/^"|"$/g, '');
    }
  }
  return proto;
}

/** `"[2001:db8::1]:4711"` → `2001:db8::1`, `192.0.2.1:80` → `192.0.2.1`, `::ffff:10.0.0.1` → `10.0.0.1`. */
function normalise(hop: string): string {
  let value = hop.trim().replace(/^"|"$/g, '');
  if (value.startsWith('[')) value = value.slice(1, value.indexOf(']'));
  else if (/^[\d.]+:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  return value.startsWith('::ffff:') ? value.slice(7) : value;
}
