/**
 * audit_chain__anchor (hourly): copies the head of every audit chain that
 * moved since the last run out of the database, into the anchors file and
 * this log (db/audit-anchors.ts), where rewriting the chain does not reach.
 */
import type { Task } from "graphile-worker";
import { anchorAuditChains, auditAnchorsFile } from "../../db/audit-anchors.ts";

export const audit_chain__anchor: Task = async (_payload, helpers) => {
  const file = auditAnchorsFile();
  const anchors = await helpers.withPgClient((client) => anchorAuditChains(client, file, (line) => helpers.logger.info(line)));
  helpers.logger.info(`audit_chain__anchor: ${anchors.length} chain head(s) anchored in ${file}`);
};
