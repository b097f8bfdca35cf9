/** The benchmarks' sizes from the environment (BENCH_CLINICS, BENCH_ITERATIONS, …: README) or a command line's options. */
import { settingsOrExit, wholeNumber } from "../db/config.ts";

interface Bounds {
  /** The least value taken (1 unless given), and why, when it is more than 1. */
  min?: number;
  why?: string;
  max?: number;
  /** Where `name` is read: the environment unless given (bench:data's options, keyed `--name`). */
  from?: Record<string, string | undefined>;
}

/**
 * `name`, a whole number from `min` up (to `max`, if given), or `fallback` when
 * unset. Anything else ends the benchmark before it starts, in one line naming
 * the variable (and saying `why`): read by Number(), `1k` or `abc` ran on as
 * NaN, through minutes of data generation, into empty measurements.
 */
export function benchSize(name: string, fallback: number, { min = 1, why, max, from = process.env }: Bounds = {}): number {
  return settingsOrExit(() => {
    try {
      return wholeNumber(from, name, fallback, min, max);
    } catch (error) {
      throw why ? new Error(`${(error as Error).message}: ${why}`) : error;
    }
  });
}
