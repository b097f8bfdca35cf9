/**
 * Statements of several people's memberships (an operator's, in SQL) take each person's sessions' turn
 * (session_turn_key): two at once, or one and a deactivation of several accounts, on real connections.
 */
import type pg from "pg";
import { closeRootPool, rootPool } from "../support/database.ts";
import { addMember, createClinic, createUser, type TestMember } from "../support/fixtures.ts";
import { underWay, waitsForLock, whileHolding } from "../support/locks.ts";

afterAll(closeRootPool);

/** The people whose memberships `sql` reaches, in the order it reaches them (run and undone). */
async function orderOf(sql: string, params: unknown[]): Promise<string[]> {
  const client: pg.PoolClient = await rootPool().connect();
  try {
    await client.query("begin");
    return (await client.query(`${sql} returning user_id`, params)).rows.map((r) => r.user_id);
  } finally {
    await client.query("rollback");
    client.release();
  }
}

const SUSPEND = "update app_public.membership set is_active = false where id = any ($1)";
const ROW = "select from app_public.membership where id = $1 for update";

/** Two people, members of each clinic, made the first person first in the first clinic and last in the next (as a table may give them). */
async function twoMembersOf(clinics: string[]): Promise<TestMember[][]> {
  const people = [await createUser(), await createUser()];
  const members: TestMember[][] = [];
  for (const [i, clinicId] of clinics.entries()) {
    const made = [];
    for (const person of i % 2 ? [...people].reverse() : people) made.push(await addMember(clinicId, person, "doctor"));
    members.push(i % 2 ? made.reverse() : made);
  }
  return members;
}

/**
 * A statement held at its second person's row (locked by another transaction) while `then`, which takes the same two
 * people's turns the other way, runs until it waits or ends; then let go. Answers both outcomes.
 */
async function heldAtItsSecondRow(statement: { sql: string; params: unknown[] }, secondRow: string, then: { sql: string; params: unknown[] }) {
  return whileHolding(ROW, [secondRow], async (row) => {
    const first = await underWay(statement.sql, statement.params);
    expect(await waitsForLock(first.client, first.result)).toBe(true);
    const next = await underWay(then.sql, then.params);
    // it waits for the first person's turn, if the statement took it as it reached their row; or, the statement taking
    // none until every row is written, goes through
    await waitsForLock(next.client, next.result);
    await row.release();
    return Promise.all([first.result, next.result]);
  });
}

// each statement took a person's turn as it reached their row, in its own order: one suspending two people in one clinic
// (their rows in one order), another the same two in another clinic (in the other), each held the turn the other waited for
test("two statements suspending the same two people, each in a clinic of its own and reaching them in the other order, both go through", async () => {
  const clinics = [(await createClinic()).clinicId, (await createClinic()).clinicId];
  for (let attempt = 1; ; attempt++) {
    const [here, there] = await twoMembersOf(clinics);
    const [hereOrder, thereOrder] = [await orderOf(SUSPEND, [here.map((m) => m.membershipId)]), await orderOf(SUSPEND, [there.map((m) => m.membershipId)])];
    if (hereOrder[0] === thereOrder[0]) {
      if (attempt === 30) throw new Error("the table gave two people's memberships in the same order in both clinics thirty times running");
      continue;
    }
    // the statement there, held at its second person's row, the first person of the statement here
    const secondThere = there.find((m) => m.userId === hereOrder[0])!.membershipId;
    const answers = await heldAtItsSecondRow(
      { sql: SUSPEND, params: [there.map((m) => m.membershipId)] },
      secondThere,
      { sql: SUSPEND, params: [here.map((m) => m.membershipId)] },
    );
    expect(answers).toEqual([null, null]);
    return;
  }
});

// the deactivation takes each account's turn (shared) in the order of their ids; the statement took them as it reached
// their rows, the higher id's first
test("a statement suspending two people, the higher id first, and a deactivation of both accounts at once both go through", async () => {
  const clinicId = (await createClinic()).clinicId;
  for (let attempt = 1; ; attempt++) {
    const [members] = await twoMembersOf([clinicId]);
    const order = await orderOf(SUSPEND, [members.map((m) => m.membershipId)]);
    if (order[0] < order[1]) {
      if (attempt === 30) throw new Error("the table gave two people's memberships in the order of their ids thirty times running");
      continue;
    }
    const lower = members.find((m) => m.userId === order[1])!;
    const answers = await heldAtItsSecondRow(
      { sql: SUSPEND, params: [members.map((m) => m.membershipId)] },
      lower.membershipId,
      { sql: `update app_public."user" set is_active = false where id = any ($1)`, params: [order] },
    );
    expect(answers).toEqual([null, null]);
    return;
  }
});
