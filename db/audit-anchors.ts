/**
 * Audit anchors: the heads of the audit log's hash chains, copied out of the
 * database every hour (worker task `audit_chain__anchor`) into an append-only
 * file of JSON lines `{"at", "chain", "seq", "hash"}` (and the worker's log).
 * A superuser can rewrite an entry and recompute every later hash, which
 * `verify_audit_chain` alone cannot tell; the entries already anchored keep
 * their hashes outside the database, so `npm run audit:verify` finds it.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import type pg from "pg";
import { readableAsSuperuser, readPlainTable } from "./superuser-reads.ts";
import { isUuid } from "./uuid.ts";
import { dataDir } from "./config.ts";

/** One chain's head at the time it was copied out. */
export interface Anchor {
  at: string;
  /** Clinic id, or the nil uuid for the platform chain. */
  chain: string;
  seq: number;
  hash: string;
}

/** AUDIT_ANCHORS_FILE, or the data folder's; empty is unset (it was the current folder, read as a file). */
export function auditAnchorsFile(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.AUDIT_ANCHORS_FILE || resolve(dataDir(env), "audit-anchors.jsonl"));
}

/**
 * Appends anchors to the file and waits until they are on disk. A line that a
 * crash or a full disk cut short is ended first, so the new lines stay whole.
 */
export async function appendAnchors(file: string, anchors: readonly Anchor[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(file, "a+", 0o640);
  try {
    const { size } = await handle.stat();
    const lastByte = Buffer.alloc(1);
    if (size > 0) await handle.read(lastByte, 0, 1, size - 1);
    const cutShort = size > 0 && lastByte[0] !== 0x0a;
    await handle.appendFile(`${cutShort ? "\n" : ""}${anchors.map((anchor) => `${JSON.stringify(anchor)}\n`).join("")}`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/**
 * Copies the head of every chain that moved since the last anchor out of the
 * database: to `log` first (a log shipped elsewhere keeps them even when the
 * file cannot be written), then to the file, then marks them anchored (a crash
 * in between anchors them again: a repeated line, never a missing one).
 * Connects as the owner (the worker).
 */
export async function anchorAuditChains(client: Pick<pg.ClientBase, "query">, file: string, log: (line: string) => void): Promise<Anchor[]> {
  const { rows } = await client.query<{ chain_id: string; seq: string; hash: string }>(
    "select chain_id, seq, hash from app_private.audit_heads_to_anchor()",
  );
  const at = new Date().toISOString();
  const anchors = rows.map((row) => ({ at, chain: row.chain_id, seq: Number(row.seq), hash: row.hash }));
  if (anchors.length === 0) return anchors;
  for (const anchor of anchors) log(`audit_anchor ${JSON.stringify(anchor)}`);
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
  /** What was left unchecked for now, not a sign of tampering (the anchor the worker is writing). */
  notes: string[];
}

/** The tables verifyAuditLog reads, which ClinicOps' migrations make. */
export const AUDIT_LOG_TABLES = ["app_public.audit_log", "app_private.audit_chain_head", "app_private.audit_anchor"] as const;

const NIL_UUID = "00000000-0000-0000-0000-000000000000";
const GENESIS = "0".repeat(64);
const chainName = (chain: string) => (chain === NIL_UUID ? "the platform chain" : `the chain of clinic ${chain}`);
const ROWS_PER_FETCH = 2000;
const ANCHORS_PER_QUERY = 5000;

/**
 * Each entry's hash input, as app_private.audit_hash builds it, from built-in
 * functions only: the verification trusts none of the functions the owner
 * role (or whoever rewrote the log) could have replaced, and hashes in Node.
 * Null for an entry whose time is no bigint of microseconds (`infinity`, past
 * 10 January 294247), which audit_hash cannot hash and no entry is written with:
 * its cast failed the whole verification, naming no chain, and it is now broken.
 */
const ENTRIES = `
  select coalesce(clinic_id, '${NIL_UUID}'::uuid)::text as chain, seq::text as entry, prev_hash, hash,
    case when extract(epoch from occurred_at) * 1000000 between -9223372036854775808 and 9223372036854775807 then
      jsonb_build_array(prev_hash, seq, clinic_id, (extract(epoch from occurred_at) * 1000000)::bigint, actor_user_id,
        action, table_name, record_id, old_values, new_values, detail)::text
    end as hashed
  from app_public.audit_log`;
const IN_ORDER = `order by coalesce(clinic_id, '${NIL_UUID}'::uuid), audit_log.seq`; // the number, not its text

/** Refuses a `--clinic` that is no clinic id, before it is written into the chain's query (or, by the CLI, before any database opens). */
export function checkClinicId(clinicId: string | undefined): void {
  if (clinicId !== undefined && !isUuid(clinicId)) throw new Error(`not a clinic id: ${clinicId}`);
}

/**
 * Recomputes every chain (or one clinic's) in Node from the entries as they
 * are stored, compares each chain's end with its head, then compares every
 * anchor in the file (when it exists) with the entry it names; all in one
 * snapshot. Connects as a superuser; changes nothing.
 */
export async function verifyAuditLog(
  client: Pick<pg.ClientBase, "query">,
  file: string,
  {
    clinicId,
    progress = () => {},
    copy = false,
  }: {
    clinicId?: string;
    progress?: (line: string) => void;
    /** A copy of the file kept elsewhere (`--anchors`), which may end before the newest anchors. */
    copy?: boolean;
  } = {},
): Promise<AuditVerification> {
  checkClinicId(clinicId);
  const chainId = clinicId?.toLowerCase(); // as the anchors write it
  const result: AuditVerification = { chains: 0, entries: 0, anchors: 0, problems: [], notes: [] };
  // the last anchor of each chain, as the database records it (app_private.audit_anchor), read before the file: the worker
  // records an anchor once its line is on disk, so each of these is in the file as read below unless lines were taken out
  // (the owner role's table, as the chains' heads below: read only once found plain, readPlainTable)
  const recorded = await readPlainTable<RecordedAnchor>(
    client,
    "app_private.audit_anchor",
    `select chain_id::text as chain, seq::text, hash, anchored_at from app_private.audit_anchor ${chainId ? "where chain_id = $1::uuid" : ""}`,
    chainId ? [chainId] : [],
  );
  // the anchors written before the snapshot below: the worker may append newer ones meanwhile
  const anchorBytes = await stat(file).then(({ size }) => size, (error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  // not read only: the heads' lock, before the snapshot (the transaction changes nothing)
  await client.query("begin isolation level repeatable read");
  try {
    await readableAsSuperuser(client, "app_private.audit_chain_head");
    // the auditor's, sealed; but what the owner role added to it while it was unsealed for a migration stays
    await readableAsSuperuser(client, "app_public.audit_log");
    // built-in functions and operators only, whatever the log's schemas hold
    await client.query("set local search_path = pg_catalog, pg_temp");
    if (await catalogWasExtended(client)) {
      result.problems.push("pg_catalog holds functions, operators or casts added since the database was created: the recomputation relies on its built-in ones.");
    }
    const onlyChain = chainId ? `where coalesce(clinic_id, '${NIL_UUID}'::uuid) = '${chainId}'::uuid` : "";
    const { rows: headRows } = await client.query<{ chain_id: string; seq: string; hash: string }>(
      `select chain_id::text, seq::text, hash from app_private.audit_chain_head ${chainId ? `where chain_id = '${chainId}'::uuid` : ""}`,
    );
    const heads = new Map(headRows.map((head) => [head.chain_id, { seq: Number(head.seq), hash: head.hash }]));
    await recomputeChains(client, `${ENTRIES} ${onlyChain} ${IN_ORDER}`, heads, result, progress);
    // heads of chains without a single entry left
    for (const [chain, head] of heads) {
      if (head.seq > 0) result.problems.push(`${chainName(chain)} is broken at entry 1: its head says ${head.seq} entries, and none is left.`);
    }
    if (chainId && result.chains === 0 && headRows.length === 0) result.problems.push(`There is no audit chain of clinic ${chainId}: no entry, no head.`);
    if (anchorBytes === null) result.problems.push(`There is no anchors file at ${file}: the chains could be checked only against themselves (the worker writes the first anchors at the first minute 30 after its start).`);
    else await compareAnchors(client, file, anchorBytes, chainId, { recorded, copy }, result, progress);
    return result;
  } finally {
    await client.query("rollback");
  }
}

type Head = { seq: number; hash: string };
type RecordedAnchor = { chain: string; seq: string; hash: string; anchored_at: Date };

async function recomputeChains(client: Pick<pg.ClientBase, "query">, sql: string, heads: Map<string, Head>, result: AuditVerification, progress: (line: string) => void) {
  let chain: string | null = null;
  let last: Head = { seq: 0, hash: GENESIS };
  let broken = false;
  /** The hash of the chain's entry at its head's seq, once read. */
  let hashAtHead: string | undefined;
  const endChain = () => {
    if (chain === null) return;
    const head = heads.get(chain);
    heads.delete(chain);
    result.chains++;
    if (broken) return;
    if (!head) result.problems.push(`${chainName(chain)} has entries but no head: the chain's head was removed behind the database's back.`);
    // entries removed from (or added to) the end show against the chain's head: the first entry it does not vouch for is
    // the one at its seq changed (its hash recomputed), else the first added past it, or the first removed (the entry
    // after the last one was named: one added was told as the next, which does not exist)
    else if (head.seq > 0 && head.seq <= last.seq && hashAtHead !== head.hash) result.problems.push(brokenAt(chain, head.seq));
    else if (head.seq !== last.seq) result.problems.push(brokenAt(chain, Math.min(head.seq, last.seq) + 1));
  };
  await client.query(`declare audit_entries no scroll cursor for ${sql}`);
  for (;;) {
    const { rows } = await client.query<{ chain: string; entry: string; prev_hash: string; hash: string; hashed: string | null }>(
      `fetch ${ROWS_PER_FETCH} from audit_entries`,
    );
    for (const row of rows) {
      if (row.chain !== chain) {
        endChain();
        chain = row.chain;
        last = { seq: 0, hash: GENESIS };
        broken = false;
        hashAtHead = undefined;
      }
      result.entries++;
      if (broken) continue;
      const seq = Number(row.entry);
      if (seq !== last.seq + 1 || row.prev_hash !== last.hash || row.hashed === null || row.hash !== createHash("sha256").update(row.hashed, "utf8").digest("hex")) {
        result.problems.push(brokenAt(chain, seq));
        broken = true;
        continue;
      }
      last = { seq, hash: row.hash };
      if (seq === heads.get(chain)?.seq) hashAtHead = row.hash;
    }
    progress(`entries: ${result.entries}`);
    if (rows.length < ROWS_PER_FETCH) break;
  }
  endChain();
}

const brokenAt = (chain: string, seq: number) => `${chainName(chain)} is broken at entry ${seq}: changed, removed or inserted behind the database's back.`;

/** Whether anything was added to pg_catalog after initdb (objects of ids from 16384 on), which could change what the built-in names compute. */
async function catalogWasExtended(client: Pick<pg.ClientBase, "query">): Promise<boolean> {
  const { rows } = await client.query<{ added: boolean }>(
    `select exists (select 1 from pg_proc where pronamespace = 'pg_catalog'::regnamespace and oid >= 16384)
         or exists (select 1 from pg_operator where oprnamespace = 'pg_catalog'::regnamespace and oid >= 16384)
         or exists (select 1 from pg_cast where oid >= 16384 and castsource < 16384 and casttarget < 16384) as added`,
  );
  return rows[0].added;
}

/** Where the last whole line within the first `bytes` of the file ends (0 when there is none). */
async function endOfLastLine(file: string, bytes: number): Promise<number> {
  const handle = await open(file, "r");
  try {
    for (let end = bytes; end > 0; ) {
      const start = Math.max(0, end - 4096);
      const chunk = Buffer.alloc(end - start);
      await handle.read(chunk, 0, chunk.length, start);
      const newline = chunk.lastIndexOf(0x0a);
      if (newline >= 0) return start + newline + 1;
      end = start;
    }
    return 0;
  } finally {
    await handle.close();
  }
}

/**
 * Compares the anchors in the whole lines of the first `bytes` of the file with the entries they name, and
 * looks there for each chain's last anchor as the database records it: lines taken out of the file, or the
 * file emptied or replaced, left the rewritten chains they anchored unchecked, and the verification passed.
 */
async function compareAnchors(
  client: Pick<pg.ClientBase, "query">,
  file: string,
  bytes: number,
  chainId: string | undefined,
  { recorded, copy }: { recorded: readonly RecordedAnchor[]; copy: boolean },
  result: AuditVerification,
  progress: (line: string) => void,
) {
  // the anchors the database records that the file has not shown yet, and the time of the newest of the file (of any
  // chain): where a copy of the file ends. Nothing else of a line is kept once read: the file grows by a line an hour for
  // each chain that moved, for good, and every line's anchor kept to the end took 250 MB at 600,000 lines (a year of 70
  // busy clinics)
  const key = (anchor: Pick<Anchor, "chain" | "seq" | "hash">) => `${anchor.chain} ${anchor.seq} ${anchor.hash}`;
  const notInFile = new Map(recorded.map((anchor) => [key({ ...anchor, seq: Number(anchor.seq) }), anchor]));
  let newest = "";
  const keep = (anchor: Anchor) => {
    notInFile.delete(key(anchor));
    if (anchor.at > newest) newest = anchor.at;
  };
  // whole lines, and a last line without its line end only when it is a whole anchor: the worker
  // may be halfway through appending it (a JSON object is whole only once its last brace is written)
  const end = await endOfLastLine(file, bytes);
  const fragment = bytes - end; // an anchor is about 150 bytes: a longer fragment is none
  const lastAnchor = fragment > 0 && fragment <= 4096 ? parseAnchor(await readRange(file, end, bytes)) : null;
  if (fragment > 0 && !lastAnchor) {
    result.notes.push(`The last ${bytes - end} bytes of ${file} have no line end and are no whole anchor (one being written, or a write cut short): not compared; run again.`);
  }
  let batch: Anchor[] = [];
  /** Compares the batch with the entries it names; counted as the file's anchors unless they are the database's record. */
  const check = async (fromFile = true) => {
    const { rows } = await client.query<{ chain: string; seq: string; hash: string | null }>(
      `select x.chain::text, x.seq::text, a.hash
       from jsonb_to_recordset($1::jsonb) as x(chain uuid, seq bigint, hash text)
       left join app_public.audit_log a on coalesce(a.clinic_id, '${NIL_UUID}'::uuid) = x.chain and a.seq = x.seq
       where a.hash is distinct from x.hash`,
      [JSON.stringify(batch)],
    );
    for (const row of rows) {
      const at = batch.find((anchor) => anchor.chain === row.chain && anchor.seq === Number(row.seq))?.at;
      result.problems.push(
        row.hash === null
          ? `${chainName(row.chain)} no longer has entry ${row.seq}, anchored at ${at}.`
          : `${chainName(row.chain)} has entry ${row.seq} with another hash than the one anchored at ${at}: the chain was rewritten up to there.`,
      );
    }
    if (fromFile) result.anchors += batch.length;
    batch = [];
    progress(`anchors: ${result.anchors}`);
  };
  let number = 0;
  const lines = end > 0 ? createInterface({ input: createReadStream(file, { end: end - 1 }), crlfDelay: Infinity }) : [];
  for await (const line of lines) {
    number++;
    if (line.trim() === "") continue;
    const anchor = parseAnchor(line);
    if (!anchor) {
      result.problems.push(`Line ${number} of ${file} is not an anchor (a write cut short, or an edit).`);
      continue;
    }
    keep(anchor);
    if (chainId && anchor.chain !== chainId) continue;
    batch.push(anchor);
    if (batch.length === ANCHORS_PER_QUERY) await check();
  }
  if (lastAnchor) keep(lastAnchor);
  if (lastAnchor && (!chainId || lastAnchor.chain === chainId)) batch.push(lastAnchor);
  if (batch.length) await check();
  for (const anchor of notInFile.values()) {
    const seq = Number(anchor.seq);
    const at = anchor.anchored_at.toISOString();
    // the database's record is compared with the entry it names, as a line of the file would be: a chain rewritten
    // past the copy's anchors is found by it, and a record changed with the chain is no worse than a file changed
    batch.push({ at, chain: anchor.chain, seq, hash: anchor.hash });
    // a copy kept elsewhere ends where it was taken: the anchors recorded after its newest are not in it yet
    if (copy && at > newest) {
      result.notes.push(`${chainName(anchor.chain)} was last anchored at entry ${anchor.seq} (${at}), after the newest anchor of ${file}: a copy taken before it; compared with the database's record of it only.`);
      continue;
    }
    result.problems.push(
      `${chainName(anchor.chain)} was last anchored at entry ${anchor.seq} (${at}, as the database records it), and ${file} has no such anchor ` +
        "(that entry with that hash): lines were taken out of it or changed, or it was emptied or replaced.",
    );
  }
  if (batch.length) await check(false);
}

/** The text of bytes `start` to `end` (exclusive) of the file. */
async function readRange(file: string, start: number, end: number): Promise<string> {
  const handle = await open(file, "r");
  try {
    const chunk = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, start);
    return chunk.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
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
