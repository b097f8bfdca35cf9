/** Waiting in tests for what another connection or process does, by condition rather than by a sleep. */

/** Checks `condition` every `everyMs` until it holds or `ms` have passed; answers whether it held. */
export async function until(condition: () => boolean | Promise<boolean>, ms = 5000, everyMs = 25): Promise<boolean> {
  for (const end = Date.now() + ms; ; await new Promise((resolve) => setTimeout(resolve, everyMs))) {
    if (await condition()) return true;
    if (Date.now() >= end) return false;
  }
}

/**
 * `run`'s answer, or "still waiting after 40 s" (the seconds given) once `ms` have passed without one: a run that waits
 * for a lock without end, shown as such without holding the test past its timeout. The timer is cleared either way.
 */
export async function orStillWaiting<T>(run: Promise<T>, ms = 40_000): Promise<T | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([run, new Promise<string>((resolve) => (timer = setTimeout(resolve, ms, `still waiting after ${ms / 1000} s`)))]);
  } finally {
    clearTimeout(timer);
  }
}
