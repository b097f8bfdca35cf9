/**
 * The settings the owner role's functions read (clinicops.include_deleted, clinicops.every_clinic,
 * clinicops.reinvitation) come from the functions' own definitions, never from the session that calls
 * them: SQL run as the API's role may turn any of them on for itself (decision 010, Later: 000337).
 */
import { addMember, asMember, committedAs, createClinic, createIssuedInvoice, createService, createUser, openSession, type TestClinic, type TestMember } from "../support/fixtures.ts";
import { closeRootPool, rootPool, testConfig } from "../support/database.ts";

afterAll(closeRootPool);

test("every security definer function of the owner role a session reaches states the settings it reads in its definition", async () => {
  // reached: one that a role other than the owner may execute (the API's, the analyst's), and every trigger function
  // (run for whoever writes the table); the functions only these call inherit what their caller states
  const { rows } = await rootPool().query(
    `select p.oid::regprocedure::text as function, s.setting
     from pg_proc p
     cross join unnest(array['clinicops.include_deleted', 'clinicops.every_clinic', 'clinicops.reinvitation']) s(setting)
     where p.prosecdef and p.proowner = $1::regrole
       and (p.prorettype = 'trigger'::regtype or exists (
             select from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
             where a.privilege_type = 'EXECUTE' and a.grantee <> p.proowner))
       -- the membership's triggers read clinicops.reinvitation from invite_again, whose update they check: a trigger
       -- function the membership's triggers alone use; one of another table, or shared with one (tg__soft_delete), says it
       and not (s.setting = 'clinicops.reinvitation'
                and exists (select from pg_trigger t where t.tgfoid = p.oid and t.tgrelid = 'app_public.membership'::regclass)
                and not exists (select from pg_trigger t where t.tgfoid = p.oid and t.tgrelid <> 'app_public.membership'::regclass))
       and not exists (select from unnest(p.proconfig) c where c like s.setting || '=%')
     order by 1, 2`,
    [testConfig.roles.owner],
  );
  expect(rows.map((row) => `${row.function}: ${row.setting}`)).toEqual([]);
});

describe("SQL run as the API's role that turns clinicops.include_deleted on, then calls the owner role's functions", () => {
  let clinic: TestClinic;
  let removed: TestMember;
  beforeAll(async () => {
    clinic = await createClinic("Settings of the definition clinic");
    removed = await addMember(clinic.clinicId, await createUser(), "cashier");
    await committedAs(await openSession(clinic.members.owner.userId, clinic.clinicId), (client) =>
      client.query("select app_public.remove_member($1)", [removed.membershipId]));
  });
  const turnedOn = (member: TestMember, fn: Parameters<typeof asMember>[1]) =>
    asMember(member, async (client) => {
      await client.query("select set_config('clinicops.include_deleted', 'on', true)");
      return fn(client);
    });

  test("a cashier bills no deleted service on a line typed by hand: its name and price stay hidden", async () => {
    const invoice = await createIssuedInvoice(clinic, "1000", { issue: false });
    const deleted = await createService(clinic.clinicId, "7777", "Deleted scan");
    await committedAs(await openSession(clinic.members.owner.userId, clinic.clinicId), (client) =>
      client.query("select app_public.delete_service($1)", [deleted.id]));
    const line = turnedOn(clinic.members.cashier, async (client) =>
      (await client.query("insert into app_public.invoice_line (invoice_id, service_id) values ($1, $2) returning description, unit_price::text", [invoice.id, deleted.id])).rows);
    await expect(line).rejects.toMatchObject({ code: "CNOTF", message: "No such service in this clinic." });
  });

  test("an admin resets no password of a member the clinic removed", async () => {
    const reset = turnedOn(clinic.members.admin, (client) =>
      client.query("select app_public.reset_member_password($1, $2)", [removed.membershipId, "a long new password for them"]));
    await expect(reset).rejects.toMatchObject({ code: "CNOTF", message: "No such member in this clinic." });
  });

  test("an owner inviting a member the clinic removed asks them again, on their membership of before", async () => {
    const invited = await turnedOn(clinic.members.owner, async (client) =>
      (await client.query("select id, accepted_at from app_public.invite_member($1, 'Removed cashier', 'doctor', 'a long password never used')", [removed.phone])).rows);
    expect(invited).toEqual([{ id: removed.membershipId, accepted_at: null }]);
  });
});
