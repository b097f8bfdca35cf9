/** The benchmarks' sizes from the environment (BENCH_CLINICS, BENCH_ITERATIONS, …: README). */
import { settingsOrExit, wholeNumber } from "../db/config.ts";

/**
 * `name`, a positive whole number, or `fallback` when unset. Anything else
 * ends the benchmark before it starts, naming the variable: read by Number(),
 * `1k` or `abc` ran on as NaN, through minutes of data generation, into empty
 * measurements.
 */
export function benchSize(name: string, fallback: number): number {
  return settingsOrExit(() => wholeNumber(process.env, name, fallback, 1));
}
