/**
 * The client's address as the /auth routes hand it to SQL (login throttling, the session's and the
 * audit's `ip`, an inet): express's `req.ip`, read as an address.
 *
 * Behind a proxy (TRUST_PROXY), `req.ip` is what the proxy wrote in X-Forwarded-For, as it wrote it,
 * and PostgreSQL refused anything that is not an address as the login's input: every login, the right
 * password too, was INVALID_INPUT "A value has the wrong format." behind a proxy that writes the
 * client's port (`203.0.113.7:51234`, `[2001:db8::7]:443`: Azure's Application Gateway), and so was an
 * IPv6 address with its zone (`fe80::1%eth0`). The port and the zone are left out.
 * A value that is still no address (a proxy passing on what a client wrote, `junk`) gives way to the
 * address of the connection, the proxy's: such clients are counted together, as the proxy.
 */
import { isIP } from "node:net";
import type { Request } from "express";

/** `[v6]:port` and `v4:port`, the forms with a port; a zone (`%eth0`) after an IPv6 address. */
const BRACKETED = /^\[([^\]]+)\](?::\d+)?$/;
const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/;
const ZONE = /%[^%]*$/;

/** `given` as an address PostgreSQL's inet reads, without port or zone; null for anything else. */
function readAddress(given: string | undefined): string | null {
  if (!given) return null;
  const text = given.trim();
  const host = (BRACKETED.exec(text)?.[1] ?? IPV4_WITH_PORT.exec(text)?.[1] ?? text).replace(ZONE, "");
  return isIP(host) ? host : null;
}

/** The address the request came from, as login throttling counts it; null when not even the connection's is known (its client reset it before the request was read: the /auth routes make nothing of such a request). */
export function clientAddress(req: Request): string | null {
  return readAddress(req.ip) ?? readAddress(req.socket.remoteAddress);
}
