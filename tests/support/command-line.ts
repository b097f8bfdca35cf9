/** A process's command line as ClinicOps names the program holding a port (db/port-listeners.ts): its arguments joined by spaces, its first 200 characters. */
import { readFileSync } from "node:fs";

export const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ").slice(0, 200);
