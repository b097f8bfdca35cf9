/** Every task the worker runs, by the name SQL and the crontab use. */
import type { TaskList } from "graphile-worker";
import { reconciliation__open } from "./reconciliation__open.ts";
import { session__expire } from "./session__expire.ts";

export const taskList: TaskList = { reconciliation__open, session__expire };
