/** Every task the worker runs, by the name SQL and the crontab use. */
import type { TaskList } from "graphile-worker";
import { audit_chain__anchor } from "./audit_chain__anchor.ts";
import { failed_job__prune } from "./failed_job__prune.ts";
import { login_failure__prune } from "./login_failure__prune.ts";
import { reconciliation__open } from "./reconciliation__open.ts";
import { report_export__expire } from "./report_export__expire.ts";
import { report_export__produce } from "./report_export__produce.ts";
import { session__expire } from "./session__expire.ts";

export const taskList: TaskList = { audit_chain__anchor, failed_job__prune, login_failure__prune, reconciliation__open, report_export__expire, report_export__produce, session__expire };
