/**
 * audit_chain__anchor (hourly): copies the head of every audit chain that
 * moved since the last run out of the database, into the anchors file and
 * this log (db/audit-anchors.ts), where rewriting the chain does not reach.
 * The log's lines are a record (scope `record`), written at every LOG_LEVEL
 * but silent: at warn, the copy an operator ships elsewhere had none of them.
 */
import type { Task } from "graphile-worker";
import { anchorAuditChains, auditAnchorsFile } from "../../db/audit-anchors.ts";

export const audit_chain__anchor: Task = async (_payload, helpers) => {
  const file = auditAnchorsFile();
  const record = helpers.logger.scope({ record: true });
  const anchors = await helpers.withPgClient((client) => anchorAuditChains(client, file, (line) => record.info(line)));
  helpers.logger.info(`audit_chain__anchor: ${anchors.length} chain head(s) anchored in ${file}`);
};
