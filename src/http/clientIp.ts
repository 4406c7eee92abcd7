/**
 * The address a request comes from, for per-client limits. The socket's peer is the client unless
 * it is one of the proxies named in TRUST_PROXY: then X-Forwarded-For is read from the right, each
 * trusted proxy's entry skipped, and the first address no trusted proxy vouches for is the client.
 * (Colyseus's own context.ip believes the header from anyone, so a client could pick its own key.)
 */
import { BlockList, isIP } from "node:net";
import type { Request } from "express";

export type ClientIpOf = (req: Request) => string;

/** `::ffff:1.2.3.4` (an IPv4 peer on a dual-stack socket) is 1.2.3.4. */
function normalize(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1] : address;
}

function trustedList(proxies: readonly string[]): BlockList {
  const list = new BlockList();
  for (const proxy of proxies) {
    const [address, prefix] = proxy.split("/");
    const type = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (prefix === undefined) list.addAddress(normalize(address), type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

export function clientIpOf(trustProxy: readonly string[]): ClientIpOf {
  const trusted = trustedList(trustProxy);
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trusted.check(address, family === 6 ? "ipv6" : "ipv4");
  };
  return (req) => {
    let client = normalize(req.socket.remoteAddress ?? "");
    if (trustProxy.length === 0 || !isTrusted(client)) return client;
    const header = req.headers["x-forwarded-for"];
    const hops = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",").map((h) => normalize(h.trim()));
    for (let i = hops.length - 1; i >= 0; i--) {
      // a hop that is not an address cannot be keyed on: the last trusted proxy is what we know
      if (isIP(hops[i]) === 0) break;
      client = hops[i];
      if (!isTrusted(client)) break;
    }
    return client;
  };
}
