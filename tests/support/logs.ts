/** The log lines of an API in the test's own process: stdout and stderr captured, at LOG_LEVEL info unless given. */
import { jest } from "@jest/globals";

/** The lines logged while `fn` runs (which may watch them as they come), at LOG_LEVEL `atLevel` ("" as unset). */
export async function linesLoggedBy(fn: (lines: readonly string[]) => Promise<void>, atLevel = "info"): Promise<string[]> {
  const level = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = atLevel;
  const lines: string[] = [];
  const stderr = jest.spyOn(process.stderr, "write").mockImplementation((chunk) => lines.push(String(chunk)) > 0);
  const stdout = jest.spyOn(process.stdout, "write").mockImplementation((chunk) => lines.push(String(chunk)) > 0);
  const console = jest.spyOn(global.console, "error").mockImplementation(() => {});
  try {
    await fn(lines);
  } finally {
    process.env.LOG_LEVEL = level;
    for (const spy of [stderr, stdout, console]) spy.mockRestore();
  }
  return lines;
}
