/**
 * What listens on a TCP port, as the kernel tells it: to name the program holding a port a command needs
 * (EMBEDDED_PG_PORT, the API's PORT) in the line that refuses it, where "in use by another process" left the operator
 * to find it.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { endianness } from "node:os";

/** A process listening on the port: its pid and its arguments. */
export interface Listener {
  pid: number;
  argv: string[];
}

/**
 * The processes listening on `port`: on any address (each is in the way of a server listening on every address, as the
 * API does), or, given `address` (IPv4), those whose socket keeps a bind there from succeeding (with SO_REUSEADDR, as PostgreSQL's and libuv's): on that address, on 0.0.0.0, or on :: (which
 * /proc does not tell taking IPv4 too from IPv6 alone, so it counts). A listener on the port's other addresses (::1
 * beside 127.0.0.1) is not in that bind's way, and was named for it. Read from the listening sockets on the port in
 * /proc/net/tcp and tcp6, then the processes whose open files include one (another user's are read as root only, and
 * are otherwise not told). Empty when none is told (nor without /proc).
 */
export function listenersOn(port: number, address?: string): Listener[] {
  const inTheWay = address === undefined ? null : addressesInTheWayOf(address);
  const listening = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of linesOf(table).slice(1)) {
      // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …", the address and port in hex
      const fields = line.trim().split(/\s+/);
      const [local, localPort] = fields[1]?.split(":") ?? [];
      if (fields[3] === "0A" && parseInt(localPort ?? "", 16) === port && (inTheWay?.has(local) ?? true)) listening.add(`socket:[${fields[9]}]`);
    }
  }
  if (listening.size === 0) return [];
  const listeners: Listener[] = [];
  for (const entry of readdirSync("/proc").filter((name) => /^[0-9]+$/.test(name))) {
    try {
      if (!readdirSync(`/proc/${entry}/fd`).some((fd) => listening.has(readlinkSync(`/proc/${entry}/fd/${fd}`)))) continue;
      listeners.push({ pid: Number(entry), argv: readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean) });
    } catch {
      // ended meanwhile, or another user's files
    }
  }
  return listeners;
}

/** How a refusal names the first of `listeners`: "another program (pid 4242: node server.js)", its command line's first 200 characters; one not told, "another program (not named: another user's, or no /proc)". */
export function anotherProgram(listeners: Listener[]): string {
  const [first] = listeners;
  return first ? `another program (pid ${first.pid}: ${first.argv.join(" ").slice(0, 200)})` : "another program (not named: another user's, or no /proc)";
}

/**
 * How /proc/net/tcp writes the IPv4 address `ipv4`: its four bytes read as one number in the machine's byte order, in
 * hex (127.0.0.1 is 0100007F on x86); tcp6 writes each of an IPv6 address's four words so.
 */
function procAddress(ipv4: string): string {
  const bytes = Buffer.from(ipv4.split(".").map(Number));
  return (endianness() === "LE" ? bytes.readUInt32LE() : bytes.readUInt32BE()).toString(16).toUpperCase().padStart(8, "0");
}

/** The local addresses (as /proc/net/tcp and tcp6 write them) whose listener is in the way of a bind to `ipv4`: itself, as IPv4 and mapped into IPv6 (::ffff:…), and the wildcards 0.0.0.0 and ::. */
function addressesInTheWayOf(ipv4: string): Set<string> {
  const own = procAddress(ipv4);
  return new Set([own, procAddress("0.0.0.0"), "0".repeat(32), `${"0".repeat(16)}${procAddress("0.0.255.255")}${own}`]);
}

function linesOf(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n");
  } catch {
    return []; // no /proc
  }
}
