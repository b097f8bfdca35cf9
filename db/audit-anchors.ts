/**
 * Audit anchors: the heads of the audit log's hash chains, copied out of the
 * database every hour (worker task `audit_chain__anchor`) into an append-only
 * file of JSON lines `{"at", "chain", "seq", "hash"}` (and the worker's log).
 * A superuser can rewrite an entry and recompute every later hash, which
 * `verify_audit_chain` alone cannot tell; the entries already anchored keep
 * their hashes outside the database, so `npm run audit:verify` finds it.
 */
import { once } from "node:events";
import { createReadStream } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import type pg from "pg";
import { isUuid } from "../server/uuid.ts";
import { dataDir } from "./config.ts";

/** One chain's head at the time it was copied out. */
export interface Anchor {
  at: string;
  /** Clinic id, or the nil uuid for the platform chain. */
  chain: string;
  seq: number;
  hash: string;
}

export function auditAnchorsFile(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.AUDIT_ANCHORS_FILE ?? resolve(dataDir(env), "audit-anchors.jsonl"));
}

/** Appends anchors to the file and waits until they are on disk. */
export async function appendAnchors(file: string, anchors: readonly Anchor[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(file, "a", 0o640);
  try {
    await handle.appendFile(anchors.map((anchor) => `${JSON.stringify(anchor)}\n`).join(""));
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/**
 * Copies the head of every chain that moved since the last anchor out of the
 * database, then marks them anchored (a crash in between anchors them again:
 * a repeated line, never a missing one). Connects as the owner (the worker).
 */
export async function anchorAuditChains(client: Pick<pg.ClientBase, "query">, file: string): Promise<Anchor[]> {
  const { rows } = await client.query<{ chain_id: string; seq: string; hash: string }>(
    "select chain_id, seq, hash from app_private.audit_heads_to_anchor()",
  );
  const at = new Date().toISOString();
  const anchors = rows.map((row) => ({ at, chain: row.chain_id, seq: Number(row.seq), hash: row.hash }));
  if (anchors.length === 0) return anchors;
  await appendAnchors(file, anchors);
  await client.query("select app_private.mark_audit_anchored($1)", [JSON.stringify(anchors)]);
  return anchors;
}

/** What `npm run audit:verify` found. */
export interface AuditVerification {
  chains: number;
  entries: number;
  anchors: number;
  /** One sentence per problem; none when the log is as it was. */
  problems: string[];
}

const NIL_UUID = "00000000-0000-0000-0000-000000000000";
const chainName = (chain: string) => (chain === NIL_UUID ? "the platform chain" : `the chain of clinic ${chain}`);
const ANCHORS_PER_QUERY = 5000;

/**
 * Recomputes every chain, then compares every anchor in the file (when it
 * exists) with the entry it names. Connects as a superuser or the owner.
 */
export async function verifyAuditLog(client: Pick<pg.ClientBase, "query">, file: string, progress: (line: string) => void = () => {}): Promise<AuditVerification> {
  const result: AuditVerification = { chains: 0, entries: 0, anchors: 0, problems: [] };
  const { rows: chains } = await client.query<{ chain_id: string }>("select chain_id from app_private.audit_chain_head order by chain_id");
  for (const { chain_id } of chains) {
    const { rows } = await client.query<{ entries: string; first_broken_seq: string | null }>(
      "select entries, first_broken_seq from app_private.audit_chain_status_of(nullif($1::uuid, $2::uuid))",
      [chain_id, NIL_UUID],
    );
    result.chains++;
    result.entries += Number(rows[0].entries);
    if (rows[0].first_broken_seq !== null) {
      result.problems.push(`${chainName(chain_id)} is broken at entry ${rows[0].first_broken_seq}: changed, removed or inserted behind the database's back.`);
    }
    progress(`chains: ${result.chains}/${chains.length}`);
  }

  let batch: Anchor[] = [];
  const check = async () => {
    const { rows } = await client.query<{ chain_id: string; seq: string; anchored_hash: string; hash: string | null }>(
      "select * from app_private.audit_anchor_mismatches($1)",
      [JSON.stringify(batch)],
    );
    for (const row of rows) {
      const at = batch.find((anchor) => anchor.chain === row.chain_id && anchor.seq === Number(row.seq))?.at;
      result.problems.push(
        row.hash === null
          ? `${chainName(row.chain_id)} no longer has entry ${row.seq}, anchored at ${at}.`
          : `${chainName(row.chain_id)} has entry ${row.seq} with another hash than the one anchored at ${at}: the chain was rewritten up to there.`,
      );
    }
    result.anchors += batch.length;
    batch = [];
    progress(`anchors: ${result.anchors}`);
  };
  const input = createReadStream(file);
  const opened = await once(input, "open").then(() => true, (error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return false;
    throw error;
  });
  if (!opened) {
    result.problems.push(`There is no anchors file at ${file}: the chains could be checked only against themselves.`);
    return result;
  }
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === "") continue;
    const anchor = parseAnchor(line);
    if (!anchor) {
      result.problems.push(`Line ${number} of ${file} is not an anchor.`);
      continue;
    }
    batch.push(anchor);
    if (batch.length === ANCHORS_PER_QUERY) await check();
  }
  if (batch.length) await check();
  return result;
}

function parseAnchor(line: string): Anchor | null {
  try {
    const value = JSON.parse(line);
    const { at, chain, seq, hash } = value ?? {};
    const valid = typeof at === "string" && isUuid(chain) && Number.isSafeInteger(seq) && seq > 0 && typeof hash === "string" && /^[0-9a-f]{64}$/.test(hash);
    return valid ? { at, chain, seq, hash } : null;
  } catch {
    return null;
  }
}
