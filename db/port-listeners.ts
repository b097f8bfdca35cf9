/**
 * What listens on a TCP port, as the kernel tells it: to name the program holding a port a command needs
 * (EMBEDDED_PG_PORT, the API's PORT) in the line that refuses it, where "in use by another process" left the operator
 * to find it.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/** A process listening on the port: its pid and its arguments. */
export interface Listener {
  pid: number;
  argv: string[];
}

/**
 * The processes listening on `port`, on any address: the listening sockets on the port in /proc/net/tcp and tcp6, then
 * the processes whose open files include one (another user's are read as root only, and are otherwise not told).
 * Empty when none is told (nor without /proc).
 */
export function listenersOn(port: number): Listener[] {
  const listening = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of linesOf(table).slice(1)) {
      // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …", the port in hex
      const fields = line.trim().split(/\s+/);
      if (fields[3] === "0A" && parseInt(fields[1]?.split(":").at(-1) ?? "", 16) === port) listening.add(`socket:[${fields[9]}]`);
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

function linesOf(file: string): string[] {
  try {
    return readFileSync(file, "utf8").split("\n");
  } catch {
    return []; // no /proc
  }
}
