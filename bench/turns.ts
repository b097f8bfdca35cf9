/** Benchmark lines taking turns: timed requests in a random order that is the same in every run. */

/** How long `fn` takes, in ms. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Numbers in [0, 1) from `seed` (mulberry32): the order of a round's requests is random, and the same in every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `items` in a random order (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j], result[i]];
  }
  return result;
}

/**
 * `warmUp` untimed turns, then `n` timed ones, each turn one request of every
 * line in a new random order (seeded by `seed`): so a stall of the machine, a
 * garbage collection or a change of its speed falls on all lines alike, and no
 * line always follows the same other one. Times in ms, by line.
 */
export async function takeTurns(
  lines: Record<string, (i: number) => Promise<unknown>>,
  warmUp: number,
  n: number,
  seed: number,
): Promise<Record<string, number[]>> {
  const random = seededRandom(seed);
  const turns = Object.entries(lines);
  const samples: Record<string, number[]> = Object.fromEntries(turns.map(([label]) => [label, []]));
  for (let i = 0; i < warmUp; i++) for (const [, send] of shuffled(turns, random)) await send(i);
  for (let i = 0; i < n; i++) for (const [label, send] of shuffled(turns, random)) samples[label].push(await time(() => send(i)));
  return samples;
}
