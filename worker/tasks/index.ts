/** Every task the worker runs, by the name SQL and the crontab use. */
import type { TaskList } from "graphile-worker";
import { session__expire } from "./session__expire.ts";

export const taskList: TaskList = { session__expire };
