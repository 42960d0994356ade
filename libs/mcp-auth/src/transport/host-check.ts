import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * Is this request's `Host` one the server answers to? IP addresses always are (a page served
 * from an address is not rebinding a name), as is a request without `Host` (every browser sends
 * one); a name must be listed (case-insensitive), unless the list holds `'*'`. This is the
 * DNS-rebinding defence of what answers without a token: a page of the attacker's name, rebound
 * to this server's address, reads it with same-origin GETs, which carry no `Origin` header.
 */
export function isHostAllowed(req: IncomingMessage, allowedHosts: readonly string[]): boolean {
  const host = req.headers.host;
  if (host === undefined) return true;
  const name = hostnameOf(host);
  if (name === undefined) return false;
  return isIP(name) !== 0 || allowedHosts.includes('*') || allowedHosts.includes(name);
}

/**
 * The names {@link isHostAllowed} accepts by default: `localhost`, the host of `resourceUrl` and
 * those of `allowedOrigins` (where clients and their pages reach the server).
 */
export function defaultAllowedHosts(resourceUrl: string, allowedOrigins: readonly string[]): string[] {
  const origins = allowedOrigins.filter((origin) => origin !== '*');
  return [...new Set(['localhost', ...[resourceUrl, ...origins].map((url) => new URL(url).hostname.toLowerCase())])];
}

/** The name or address of a `Host` header, lower case, without port, brackets or trailing dot; undefined when malformed. */
function hostnameOf(host: string): string | undefined {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 1 ? host.slice(1, end) : undefined;
  }
  const colon = host.indexOf(':');
  const name = (colon === -1 ? host : host.slice(0, colon)).toLowerCase();
  if (name === '') return undefined;
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
