/** Waiting in tests for what another connection or process does, by condition rather than by a sleep. */

/** Checks `condition` every `everyMs` until it holds or `ms` have passed; answers whether it held. */
export async function until(condition: () => boolean | Promise<boolean>, ms = 5000, everyMs = 25): Promise<boolean> {
  for (const end = Date.now() + ms; ; await new Promise((resolve) => setTimeout(resolve, everyMs))) {
    if (await condition()) return true;
    if (Date.now() >= end) return false;
  }
}
