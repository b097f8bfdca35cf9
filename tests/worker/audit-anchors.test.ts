/**
 * Audit anchors: the worker copies each moved chain's head out of the
 * database every hour, and `npm run audit:verify` finds a chain rewritten
 * whole, every hash recomputed, which verify_audit_chain cannot.
 */
import { randomUUID } from "node:crypto";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import pg from "pg";
import { appendAnchors, verifyAuditLog } from "../../db/audit-anchors.ts";
import { audit_chain__anchor } from "../../worker/tasks/audit_chain__anchor.ts";
import { jsonLogger } from "../../worker/run.ts";
import { runCli, runCliInTerminal } from "../support/cli.ts";
import { closeRootPool, ownDatabase, rootPool, TEST_DATABASE_URL, testConfig } from "../support/database.ts";
import { withCredentials } from "../../db/config.ts";
import { ensureRolesAndDatabase } from "../../db/setup.ts";
import { behindTriggers, createClinic, type TestClinic } from "../support/fixtures.ts";
import { jobHelpers, runDueJobs, takeWorkerTurn, WORKER_TURN_WAIT_MS } from "../support/worker.ts";
import { linesLoggedBy } from "../support/logs.ts";
import { temporaryFolders } from "../support/temp-folders.ts";

setFlagsFromString("--expose-gc"); // for the memory a verification holds, measured from a heap collected first

let releaseTurn: () => Promise<void>;
const temporaryFolder = temporaryFolders();
const anchorsFile = join(temporaryFolder("anchors"), "audit-anchors.jsonl");

beforeAll(async () => {
  releaseTurn = await takeWorkerTurn();
  process.env.AUDIT_ANCHORS_FILE = anchorsFile;
}, WORKER_TURN_WAIT_MS);
afterAll(async () => {
  delete process.env.AUDIT_ANCHORS_FILE;
  await releaseTurn();
  await closeRootPool();
});

async function runAnchorTask(): Promise<void> {
  await rootPool().query("select graphile_worker.add_job('audit_chain__anchor', '{}'::json)");
  await runDueJobs();
}

const anchorsOf = (chain: string) =>
  readFileSync(anchorsFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((anchor) => anchor.chain === chain);

async function headOf(clinicId: string): Promise<{ seq: number; hash: string }> {
  const { rows } = await rootPool().query("select seq::int, hash from app_private.audit_chain_head where chain_id = $1", [clinicId]);
  return rows[0];
}

/** What verification says of this clinic's chain (other test files leave broken chains of their own clinics behind). */
async function problemsOf(clinicId: string, file = anchorsFile): Promise<string[]> {
  const client = await rootPool().connect();
  try {
    return (await verifyAuditLog(client, file, { clinicId })).problems.filter((problem) => problem.includes(clinicId));
  } finally {
    client.release();
  }
}

/** A superuser rewrites entry `seq` of the clinic's chain and recomputes every hash after it, and the head. */
function rewriteChainFrom(clinicId: string, seq: number): Promise<void> {
  return behindTriggers(async (client) => {
    await client.query(
      `update app_public.audit_log set new_values = coalesce(new_values, '{}') || '{"name": "Rewritten"}' where clinic_id = $1 and seq = $2`,
      [clinicId, seq],
    );
    const { rows } = await client.query("select seq from app_public.audit_log where clinic_id = $1 and seq >= $2 order by seq", [clinicId, seq]);
    let prev = (await client.query("select hash from app_public.audit_log where clinic_id = $1 and seq = $2", [clinicId, seq - 1])).rows[0]?.hash ?? "0".repeat(64);
    for (const row of rows) {
      const { rows: hashed } = await client.query(
        `update app_public.audit_log set prev_hash = $1,
           hash = app_private.audit_hash($1, seq, clinic_id, occurred_at, actor_user_id, action, table_name, record_id, old_values, new_values, detail)
         where clinic_id = $2 and seq = $3 returning hash`,
        [prev, clinicId, row.seq],
      );
      prev = hashed[0].hash;
    }
    await client.query("update app_private.audit_chain_head set hash = $1 where chain_id = $2", [prev, clinicId]);
  });
}

describe("anchoring", () => {
  let clinic: TestClinic;
  beforeAll(async () => {
    clinic = await createClinic("Anchored clinic");
  });

  test("the hourly task copies each moved chain's head out, once until it moves again", async () => {
    await runAnchorTask();
    expect(anchorsOf(clinic.clinicId)).toEqual([{ at: expect.any(String), chain: clinic.clinicId, ...(await headOf(clinic.clinicId)) }]);
    await runAnchorTask();
    expect(anchorsOf(clinic.clinicId)).toHaveLength(1);

    await rootPool().query("update app_public.clinic set address = 'Anchor road 1' where id = $1", [clinic.clinicId]);
    await runAnchorTask();
    const anchors = anchorsOf(clinic.clinicId);
    expect(anchors).toHaveLength(2);
    expect(anchors[1]).toMatchObject(await headOf(clinic.clinicId));
    expect(anchors[1].seq).toBeGreaterThan(anchors[0].seq);
    expect(await problemsOf(clinic.clinicId)).toEqual([]);
  });

  // the log is the copy operations.md says to ship where the database's administrators cannot write: LOG_LEVEL=warn,
  // set to quiet the request lines, left every anchor out of it without a word
  test.each([
    ["warn", 1],
    ["error", 1],
    ["silent", 0],
  ])("at LOG_LEVEL=%s the worker's log has each anchor it writes: %d line(s) for a chain that moved", async (level, lines) => {
    await rootPool().query("update app_public.clinic set address = $2 where id = $1", [clinic.clinicId, `Anchor road ${level}`]);
    const owner = new pg.Pool({ connectionString: testConfig.ownerUrl });
    try {
      // the task as the worker runs it: its logger the worker's, scoped to the job as graphile-worker scopes it
      const helpers = { ...jobHelpers(owner, 1), logger: jsonLogger.scope({ label: "job", taskIdentifier: "audit_chain__anchor" }) };
      const logged = await linesLoggedBy(async () => void (await audit_chain__anchor({}, helpers)), level);
      const anchored = logged
        .map((line) => JSON.parse(line).message as string)
        .filter((message) => message.startsWith("audit_anchor "))
        .map((message) => JSON.parse(message.slice("audit_anchor ".length)))
        .filter((anchor) => anchor.chain === clinic.clinicId);
      expect(anchored).toEqual(lines ? [{ at: expect.any(String), chain: clinic.clinicId, ...(await headOf(clinic.clinicId)) }] : []);
      expect(anchorsOf(clinic.clinicId).at(-1)).toMatchObject(await headOf(clinic.clinicId)); // and the file has it, at every level
    } finally {
      await owner.end();
    }
  });
});

describe("verification", () => {
  test("a chain rewritten whole passes verify_audit_chain, and not the anchors", async () => {
    const rewritten = await createClinic("Rewritten clinic");
    await runAnchorTask();
    const anchored = await headOf(rewritten.clinicId);
    await rootPool().query("update app_public.clinic set address = 'After the anchor' where id = $1", [rewritten.clinicId]);

    await rewriteChainFrom(rewritten.clinicId, 2);
    const { rows } = await rootPool().query("select is_valid from app_private.audit_chain_status_of($1)", [rewritten.clinicId]);
    expect(rows[0].is_valid).toBe(true); // the hash chain alone cannot tell
    expect(await problemsOf(rewritten.clinicId)).toEqual([
      expect.stringMatching(new RegExp(`^the chain of clinic ${rewritten.clinicId} has entry ${anchored.seq} with another hash than the one anchored at .*: the chain was rewritten up to there\\.$`)),
    ]);

    // the command line says so, and fails; of a clinic whose chain is whole, it says that, and succeeds
    const cli = runCli(["audit-verify", "--anchors", anchorsFile, "--clinic", rewritten.clinicId]);
    expect(cli.stdout.split("\n").filter((line) => line.startsWith("PROBLEM"))).toEqual([
      expect.stringMatching(new RegExp(`^PROBLEM: the chain of clinic ${rewritten.clinicId} has entry ${anchored.seq} with another hash`)),
    ]);
    expect(cli.stdout).toMatch(new RegExp(`^1 chain\\(s\\), ${(await headOf(rewritten.clinicId)).seq} entries recomputed; 1 anchor\\(s\\) from .* compared$`, "m"));
    expect(cli.status).toBe(1);
    const whole = await createClinic("Whole clinic");
    // past 9 entries: seq 10 sorts before 2 as text, not as a number
    for (let i = 1; i <= 12; i++) await rootPool().query("update app_public.clinic set address = $2 where id = $1", [whole.clinicId, `Road ${i}`]);
    expect((await headOf(whole.clinicId)).seq).toBeGreaterThan(15);
    await runAnchorTask();
    // the id as people may paste it, in capitals: its anchors are still compared
    const fine = runCli(["audit-verify", "--anchors", anchorsFile, "--clinic", whole.clinicId.toUpperCase()]);
    expect(fine.stdout).toMatch(/^1 chain\(s\), \d+ entries recomputed; 1 anchor\(s\) from .* compared$/m);
    expect(fine.stdout).toContain("the audit log is as it was when each anchor was taken");
    expect(fine.status).toBe(0);
    // its progress, each line over the last, is a terminal's: a log or a pipe held one line of hundreds of carriage returns
    expect(fine.stderr).toBe("");
    const shown = await runCliInTerminal(["audit-verify", "--anchors", anchorsFile, "--clinic", whole.clinicId], []);
    expect([shown.code, shown.screen]).toEqual([0, expect.stringMatching(/\rentries: \d+ +\ranchors: 1 +\r?\n1 chain\(s\)/)]);
    // a clinic id that names no chain is not a clean bill of health
    const unknown = randomUUID();
    const none = runCli(["audit-verify", "--anchors", anchorsFile, "--clinic", unknown]);
    expect(none.stdout).toContain(`PROBLEM: There is no audit chain of clinic ${unknown}: no entry, no head.`);
    expect(none.status).toBe(1);
  });

  // with the rewritten chain's anchor line taken out of the file, or the file emptied, or the line's hash edited to the
  // rewritten one, verification passed (testers of the worker and of the last commits)
  test("an anchor taken out of the file, changed, or the file emptied, is a problem: the database records each chain's last anchor", async () => {
    const hidden = await createClinic("Hidden anchor clinic");
    await runAnchorTask();
    const anchored = await headOf(hidden.clinicId);
    await rewriteChainFrom(hidden.clinicId, 2);
    const rewrittenHash = (await rootPool().query("select hash from app_public.audit_log where clinic_id = $1 and seq = $2", [hidden.clinicId, anchored.seq])).rows[0].hash;
    const missing = new RegExp(
      `^the chain of clinic ${hidden.clinicId} was last anchored at entry ${anchored.seq} \\(.*, as the database records it\\), and .* has no such anchor \\(that entry with that hash\\): lines were taken out of it or changed, or it was emptied or replaced\\.$`,
    );
    const lines = readFileSync(anchorsFile, "utf8").split("\n");
    const without = join(temporaryFolder("anchors"), "without.jsonl");
    writeFileSync(without, lines.filter((line) => !line.includes(hidden.clinicId)).join("\n"));
    const edited = join(temporaryFolder("anchors"), "edited.jsonl");
    writeFileSync(edited, lines.map((line) => (line.includes(hidden.clinicId) ? line.replace(anchored.hash, rewrittenHash) : line)).join("\n"));
    const emptied = join(temporaryFolder("anchors"), "emptied.jsonl");
    writeFileSync(emptied, "");
    // and the database's record of that anchor, compared with the entry it names, finds the rewrite itself
    const rewritten = new RegExp(`^the chain of clinic ${hidden.clinicId} has entry ${anchored.seq} with another hash than the one anchored at .*: the chain was rewritten up to there\\.$`);
    for (const file of [without, edited, emptied]) {
      expect({ file, problems: await problemsOf(hidden.clinicId, file) }).toEqual({ file, problems: [expect.stringMatching(missing), expect.stringMatching(rewritten)] });
    }
    // as the command's own file (AUDIT_ANCHORS_FILE), it fails
    expect(runCli(["audit-verify", "--clinic", hidden.clinicId], { AUDIT_ANCHORS_FILE: emptied }).status).toBe(1);
    // a chain never anchored yet, checked against an empty file, is whole, and said so without claiming a comparison
    const fresh = await createClinic("Not anchored yet clinic");
    const unanchored = runCli(["audit-verify", "--clinic", fresh.clinicId], { AUDIT_ANCHORS_FILE: emptied });
    expect([unanchored.status, unanchored.stdout]).toEqual([0, expect.stringContaining("each chain is whole; no anchor to compare yet")]);
  });

  // a copy kept elsewhere ends where it was taken: the anchors recorded after it were problems on a healthy system; and a
  // chain rewritten past the copy's anchors passed (the database's record of the newer anchor was not compared)
  test("a copy of the file (--anchors) taken before the newest anchors notes them, and finds a chain rewritten past what it holds by the database's record", async () => {
    const copied = await createClinic("Copied anchors clinic");
    await runAnchorTask();
    const inCopy = await headOf(copied.clinicId);
    const copy = join(temporaryFolder("anchors"), "copy.jsonl");
    writeFileSync(copy, readFileSync(anchorsFile, "utf8"));
    await rootPool().query("update app_public.clinic set address = 'After the copy' where id = $1", [copied.clinicId]);
    await runAnchorTask(); // a newer anchor, recorded, that the copy does not have
    const later = runCli(["audit-verify", "--anchors", copy, "--clinic", copied.clinicId]);
    expect([later.status, later.stdout]).toEqual([
      0,
      expect.stringMatching(new RegExp(`^NOTE: the chain of clinic ${copied.clinicId} was last anchored at entry \\d+ \\(.*\\), after the newest anchor of .*: a copy taken before it; compared with the database's record of it only\\.$`, "m")),
    ]);
    expect(later.stdout).toContain("the audit log is as it was when each anchor compared was taken (see the notes)");
    // the worker's own file named with --anchors is the worker's: every recorded anchor must be in it
    expect(runCli(["audit-verify", "--anchors", anchorsFile, "--clinic", copied.clinicId]).stdout).not.toContain("NOTE:");
    // rewritten past the copy's anchor only
    await rewriteChainFrom(copied.clinicId, inCopy.seq + 1);
    const rewritten = runCli(["audit-verify", "--anchors", copy, "--clinic", copied.clinicId]);
    expect([rewritten.status, rewritten.stdout]).toEqual([1, expect.stringMatching(new RegExp(`^PROBLEM: the chain of clinic ${copied.clinicId} has entry \\d+ with another hash than the one anchored at `, "m"))]);
  });

  test("entries removed from the end, the head set back, are found missing", async () => {
    const truncated = await createClinic("Cut clinic");
    await runAnchorTask();
    const anchored = await headOf(truncated.clinicId);
    await behindTriggers(async (client) => {
      await client.query("delete from app_public.audit_log where clinic_id = $1 and seq >= $2", [truncated.clinicId, anchored.seq - 1]);
      await client.query(
        "update app_private.audit_chain_head h set seq = a.seq, hash = a.hash from app_public.audit_log a where h.chain_id = $1 and a.clinic_id = $1 and a.seq = $2",
        [truncated.clinicId, anchored.seq - 2],
      );
    });
    const { rows } = await rootPool().query("select is_valid from app_private.audit_chain_status_of($1)", [truncated.clinicId]);
    expect(rows[0].is_valid).toBe(true);
    expect(await problemsOf(truncated.clinicId)).toEqual([expect.stringMatching(new RegExp(`no longer has entry ${anchored.seq}, anchored at `))]);
  });

  test("a chain broken without its hashes recomputed is found too, as verify_audit_chain finds it", async () => {
    const edited = await createClinic("Edited clinic");
    await behindTriggers((client) => client.query(`update app_public.audit_log set new_values = '{}' where clinic_id = $1 and seq = 3`, [edited.clinicId]));
    expect(await problemsOf(edited.clinicId)).toEqual([`the chain of clinic ${edited.clinicId} is broken at entry 3: changed, removed or inserted behind the database's back.`]);
  });

  // the chain's end was compared with its head and the entry after the last one named: one added was told as the next,
  // which does not exist, and the last one changed with its hash recomputed as the next too
  test("an entry added past a chain's head, or its last entry changed with its own hash recomputed, is the entry named", async () => {
    const [added, rehashed] = [await createClinic("Entry added clinic"), await createClinic("Last entry rehashed clinic")];
    const [addedHead, rehashedHead] = [await headOf(added.clinicId), await headOf(rehashed.clinicId)];
    await behindTriggers(async (client) => {
      await client.query(
        `insert into app_public.audit_log (clinic_id, seq, occurred_at, action, table_name, prev_hash, hash)
         select a.clinic_id, a.seq + 1, now(), 'delete', 'patient', a.hash,
           app_private.audit_hash(a.hash, a.seq + 1, a.clinic_id, now(), null, 'delete', 'patient', null, null, null, null)
         from app_public.audit_log a where a.clinic_id = $1 and a.seq = $2`,
        [added.clinicId, addedHead.seq],
      );
      await client.query(
        `update app_public.audit_log a set new_values = '{}',
           hash = app_private.audit_hash(a.prev_hash, a.seq, a.clinic_id, a.occurred_at, a.actor_user_id, a.action, a.table_name, a.record_id,
             a.old_values, '{}', a.detail)
         where a.clinic_id = $1 and a.seq = $2`,
        [rehashed.clinicId, rehashedHead.seq],
      );
    });
    expect(await problemsOf(added.clinicId)).toEqual([`the chain of clinic ${added.clinicId} is broken at entry ${addedHead.seq + 1}: changed, removed or inserted behind the database's back.`]);
    expect(await problemsOf(rehashed.clinicId)).toEqual([`the chain of clinic ${rehashed.clinicId} is broken at entry ${rehashedHead.seq}: changed, removed or inserted behind the database's back.`]);
  });

  // the recomputation's cast failed ("cannot convert infinity to bigint"): the command stopped there, naming no chain or
  // entry, and verified no other chain or anchor
  test("an entry dated infinity, or past what microseconds in a bigint hold, breaks its chain there, and the other chains are verified", async () => {
    const [infinite, farAhead, edited] = [await createClinic("Dated infinity clinic"), await createClinic("Dated far ahead clinic"), await createClinic("Edited too clinic")];
    await behindTriggers(async (client) => {
      await client.query("update app_public.audit_log set occurred_at = 'infinity' where clinic_id = $1 and seq = 3", [infinite.clinicId]);
      await client.query("update app_public.audit_log set occurred_at = '294276-12-31 23:59:59+00' where clinic_id = $1 and seq = 2", [farAhead.clinicId]);
      await client.query("update app_public.audit_log set new_values = '{}' where clinic_id = $1 and seq = 3", [edited.clinicId]);
    });
    const client = await rootPool().connect();
    const { problems } = await verifyAuditLog(client, anchorsFile).finally(() => client.release());
    const broken = (clinic: TestClinic, seq: number) => `the chain of clinic ${clinic.clinicId} is broken at entry ${seq}: changed, removed or inserted behind the database's back.`;
    expect(problems.filter((problem) => [infinite, farAhead, edited].some((clinic) => problem.includes(clinic.clinicId))).sort()).toEqual(
      [broken(infinite, 3), broken(farAhead, 2), broken(edited, 3)].sort(),
    );
  });

  test("a chain's head removed is found: chains are read from the log, not from their heads", async () => {
    // a chain with entries and no head: of a clinic id no clinic has (so no other test file writes to it,
    // and it goes at the end); replica mode skips the foreign key's trigger too
    const orphan = randomUUID();
    await behindTriggers((client) =>
      client.query(
        `insert into app_public.audit_log (clinic_id, seq, occurred_at, action, table_name, prev_hash, hash)
         select $1, 1, now(), 'insert', 'patient', $2, app_private.audit_hash($2, 1, $1, now(), null, 'insert', 'patient', null, null, null, null)`,
        [orphan, "0".repeat(64)],
      ),
    );
    try {
      expect(await problemsOf(orphan)).toEqual([`the chain of clinic ${orphan} has entries but no head: the chain's head was removed behind the database's back.`]);
    } finally {
      await behindTriggers((client) => client.query("delete from app_public.audit_log where clinic_id = $1", [orphan]));
    }
    // and a head whose entries are all gone
    const emptied = await createClinic("Emptied clinic");
    await behindTriggers((client) => client.query("delete from app_public.audit_log where clinic_id = $1", [emptied.clinicId]));
    expect(await problemsOf(emptied.clinicId)).toEqual([expect.stringMatching(/is broken at entry 1: its head says \d+ entries, and none is left\.$/)]);
  });

  test("a line cut short by a crash is ended before the next anchors, which stay whole", async () => {
    const file = join(temporaryFolder("anchors"), "anchors.jsonl");
    appendFileSync(file, '{"at":"2026-12-01T00:00:00.000Z","chain":"');
    const anchor = { at: "2026-12-01T01:00:00.000Z", chain: "00000000-0000-0000-0000-000000000000", seq: 1, hash: "a".repeat(64) };
    await appendAnchors(file, [anchor]);
    expect(readFileSync(file, "utf8").split("\n")).toEqual(['{"at":"2026-12-01T00:00:00.000Z","chain":"', JSON.stringify(anchor), ""]);
  });

  test("a last line without its line end is one the worker is still writing: verification leaves it for next time", async () => {
    const file = join(temporaryFolder("anchors"), "anchors.jsonl");
    const whole = { at: "2026-12-01T01:00:00.000Z", chain: "00000000-0000-0000-0000-000000000000", seq: 1, hash: "b".repeat(64) };
    appendFileSync(file, `${JSON.stringify(whole)}\n{"at":"2026-12-01T02:00:00.000Z","cha`);
    const client = await rootPool().connect();
    try {
      const found = await verifyAuditLog(client, file, { clinicId: "00000000-0000-0000-0000-000000000000" });
      expect(found.anchors).toBe(1);
      expect(found.problems.filter((problem) => problem.startsWith("Line"))).toEqual([]);
      expect(found.notes).toEqual([expect.stringMatching(/^The last 37 bytes of .* have no line end and are no whole anchor/)]);
      // the whole line was compared: the platform chain's entry 1 has another hash than b…b
      expect(found.problems).toContainEqual(expect.stringMatching(/^the platform chain (has entry 1 with another hash|no longer has entry 1)/));
    } finally {
      client.release();
    }
  });

  test("a file whose one anchor has no line end still has it compared, past the first 4 kB read back too", async () => {
    const file = join(temporaryFolder("anchors"), "anchors.jsonl");
    const anchor = (seq: number) => ({ at: "2026-12-01T01:00:00.000Z", chain: "00000000-0000-0000-0000-000000000000", seq, hash: "c".repeat(64) });
    appendFileSync(file, JSON.stringify(anchor(1)));
    const client = await rootPool().connect();
    try {
      const one = await verifyAuditLog(client, file, { clinicId: "00000000-0000-0000-0000-000000000000" });
      expect([one.anchors, one.notes]).toEqual([1, []]);
      // 40 whole lines (over 4 kB) and a torn one: the 40 are compared, the torn one noted
      writeFileSync(file, `${Array.from({ length: 40 }, (_, i) => JSON.stringify(anchor(i + 1))).join("\n")}\n{"at":`);
      const many = await verifyAuditLog(client, file, { clinicId: "00000000-0000-0000-0000-000000000000" });
      expect([many.anchors, many.notes.length]).toEqual([40, 1]);
    } finally {
      client.release();
    }
  });

  // the file grows by a line each hour for each chain that moved, for good, and verification kept every line's anchor in
  // memory to the end: 600,000 lines (a year of 70 busy clinics) took 250 MB, and as many more as years and clinics
  // added lines; it keeps the database's record of each chain's last anchor alone, until the file shows it
  test("verification holds no more of the anchors file in memory than the chains' last anchors, however long the file", async () => {
    const { clinicId } = await createClinic("Anchors read one by one");
    const file = join(temporaryFolder("anchors"), "long.jsonl");
    const line = (chain: string, seq: number) => `${JSON.stringify({ at: "2026-12-01T01:00:00.000Z", chain, seq, hash: randomUUID().replaceAll("-", "").repeat(2) })}\n`;
    // 400,000 anchors of other chains, then one of the clinic's, compared once the file has been read (its progress told)
    for (let written = 0; written < 400_000; written += 10_000) appendFileSync(file, Array.from({ length: 10_000 }, (_, i) => line(randomUUID(), written + i)).join(""));
    appendFileSync(file, line(clinicId, 1));
    const client = await rootPool().connect();
    const gc = runInNewContext("gc") as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    let most = before;
    try {
      // what the heap holds once collected (the lines read and passed over are garbage) at each step told
      const found = await verifyAuditLog(client, file, { clinicId, progress: () => (gc(), (most = Math.max(most, process.memoryUsage().heapUsed))) });
      expect(found.anchors).toBe(1);
    } finally {
      client.release();
    }
    expect(most - before).toBeLessThan(40e6);
  });

  test("lines that are not anchors, and a missing file, are problems, not silence", async () => {
    const file = join(temporaryFolder("anchors"), "anchors.jsonl");
    const client = await rootPool().connect();
    try {
      expect((await verifyAuditLog(client, file)).problems).toContain(`There is no anchors file at ${file}: the chains could be checked only against themselves (the worker writes the first anchors at the first minute 30 after its start).`);
      appendFileSync(file, `{"at":"x","chain":"not-a-uuid","seq":1,"hash":"${"a".repeat(64)}"}\nnot json\n\n`);
      const found = await verifyAuditLog(client, file);
      expect(found.problems).toEqual(
        expect.arrayContaining([1, 2].map((line) => `Line ${line} of ${file} is not an anchor (a write cut short, or an edit).`)),
      );
      expect(found.problems.filter((problem) => problem.startsWith("Line"))).toHaveLength(2);
      expect(found.anchors).toBe(0);
    } finally {
      client.release();
    }
  });
});

// on a database made and never migrated it said only `schema "app_private" does not exist`, and on one an older version
// migrated, `relation "app_private.audit_anchor" does not exist`: neither says what to do
test("audit:verify on a database not set up, or set up and not migrated, says to run npm run migrate first", async () => {
  const fresh = ownDatabase("never_migrated");
  await fresh.drop();
  try {
    const notSetUp = (detail = "") =>
      `ClinicOps' database ${fresh.config.databaseName} is not set up on the PostgreSQL at ${new URL(fresh.url).host} that DATABASE_URL names${detail}: run npm run migrate (or npm start) first`;
    const said = () => {
      const result = runCli(["audit-verify"], { DATABASE_URL: fresh.url });
      return { status: result.status, said: result.stderr.trim(), stdout: result.stdout };
    };
    expect(said()).toEqual({ status: 1, said: notSetUp(), stdout: "" });
    await ensureRolesAndDatabase(fresh.config); // its roles and database made, the migrations never run
    const missing = "app_public.audit_log, app_private.audit_chain_head, app_private.audit_anchor";
    expect(said()).toEqual({ status: 1, said: notSetUp(` (it has no ${missing}: its migrations have not all run)`), stdout: "" });
  } finally {
    await fresh.drop();
  }
});

// with the owner role's address it said only "permission denied for table audit_log", as if the log's own privileges
// were wrong (or tampered with), where every other command that needs a superuser says so
test("audit:verify with a DATABASE_URL that is not a superuser says it needs one, before reading anything", () => {
  const asOwner = withCredentials(TEST_DATABASE_URL, testConfig.roles.owner, testConfig.passwords.owner);
  const result = runCli(["audit-verify"], { DATABASE_URL: asOwner });
  expect({ status: result.status, said: result.stderr.trim(), stdout: result.stdout }).toEqual({
    status: 1,
    said:
      `DATABASE_URL must name a superuser, and ${testConfig.roles.owner} is not one: ` +
      "audit:verify reads the audit log past row-level security, and locks the tables it reads against changes of their definition, which only a superuser may.",
    stdout: "",
  });
});
