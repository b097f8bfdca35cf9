import { createServer } from "node:net";

/** The ports freePort has given in this test file's process. */
const portsGiven = new Set<number>();

/**
 * A port free now, and never one given before in this test file: the kernel gives a probe's port, closed, to the next
 * probe now and then (here once in about 3,000 pairs), and a test's embedded server and API server, given one port, had
 * the second fail to listen on it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    if (!portsGiven.has(port)) {
      portsGiven.add(port);
      return port;
    }
  }
}
