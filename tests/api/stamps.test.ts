/**
 * Who did it, by name: each stamp of a clinic's row (`checkedInBy`, `issuedBy`, `createdBy`…) reads
 * its member through a relation (`checkedInByMember { fullName role }`), as the staff list shows them
 * to the session, and null where no member of the row's clinic is behind it.
 */
import { readFileSync } from "node:fs";
import pg from "pg";
import { buildSchema, getNamedType, type GraphQLInputObjectType, type GraphQLObjectType } from "postgraphile/graphql";
import type { PgCodecRelation } from "postgraphile/@dataplan/pg";
import { gatherApiRegistry, GRAPHQL_SCHEMA_FILE } from "../support/schemas.ts";
import { closeRootPool, rootPool, schemaCopy } from "../support/database.ts";
import { addMember, asMember, createClinic, createPatient, createUser, createVisit, ROLES, type TestClinic, type TestMember, writeBehindTriggers } from "../support/fixtures.ts";
import { loggedIn, startApi, type TestApi } from "../support/api.ts";
import { statementsSentBy } from "../support/statements.ts";

let api: TestApi;
let c: TestClinic;
let b: TestClinic;

beforeAll(async () => {
  api = await startApi();
  c = await createClinic("Stamps");
  b = await createClinic("Stamps elsewhere");
});
afterAll(async () => {
  await api.close();
  await closeRootPool();
});

const login = (member: TestMember) => loggedIn(api, member);
const named = (member: TestMember) => ({ fullName: `Test ${member.phone}`, role: member.role });

const VISIT = `query($id: UUID!) { visits(condition: { rowId: $id }) { nodes {
  checkedInByMember { fullName role } startedByMember { fullName role } completedByMember { fullName role } createdByMember { fullName role } } } }`;
const STEP = `mutation($c: UUID!, $id: UUID!, $s: VisitStatus!) { updateVisit(input: { clinicId: $c, rowId: $id, patch: { status: $s } }) { visit { status } } }`;
const PATIENT = `query($id: UUID!) { patients(condition: { rowId: $id }) { nodes { code createdBy createdByMember { fullName role } } } }`;

const camel = (name: string) => name.replace(/_(.)/g, (_, letter: string) => letter.toUpperCase());
const MEMBER_DESCRIPTION = (stamp: string) =>
  `The member behind \`${camel(stamp)}\`, their name and role as the staff list shows them: null for the platform, or for a person not or no longer a member of the clinic.`;

test("every stamp of a clinic's row has its member's relation, named after it, not filtered by nor read the other way", async () => {
  // a uuid `…_by` of a table with clinic_id (or the clinic's own), but none with a foreign key to a table other than user
  const { rows } = await rootPool().query<{ table_name: string; column_name: string }>(
    `select c.table_name, c.column_name from information_schema.columns c
     where c.table_schema = 'app_public' and c.column_name like '%\\_by' and c.data_type = 'uuid'
       and exists (select 1 from information_schema.columns k where k.table_schema = c.table_schema and k.table_name = c.table_name
                   and (k.column_name = 'clinic_id' or c.table_name = 'clinic'))
       and not exists (select 1 from pg_constraint f join pg_attribute a on a.attrelid = f.conrelid and a.attnum = any (f.conkey)
                       where f.contype = 'f' and f.conrelid = format('app_public.%I', c.table_name)::regclass and a.attname = c.column_name
                         and f.confrelid <> 'app_public.user'::regclass)
     order by 1, 2`,
  );
  const schema = buildSchema(readFileSync(GRAPHQL_SCHEMA_FILE, "utf8"));
  const fields = (name: string) => (schema.getType(name) as GraphQLObjectType | undefined)?.getFields() ?? {};
  const filters = (name: string) => (schema.getType(`${name}Filter`) as GraphQLInputObjectType | undefined)?.getFields() ?? {};
  const wrong = rows.filter(({ table_name, column_name }) => {
    const member = fields(camel(`_${table_name}`))[`${camel(column_name)}Member`];
    return String(member?.type) !== "Membership" || member.args.length !== 0 || member.description !== MEMBER_DESCRIPTION(column_name)
      || `${camel(column_name)}Member` in filters(camel(`_${table_name}`));
  });
  expect(rows.length).toBeGreaterThanOrEqual(39);
  expect(wrong).toEqual([]);
  // nor read the other way: a member's lists are those of the foreign keys to membership (a visit's doctor…), none of a stamp
  const { rows: keys } = await rootPool().query<{ table_name: string }>(
    "select c.relname as table_name from pg_constraint f join pg_class c on c.oid = f.conrelid where f.contype = 'f' and f.confrelid = 'app_public.membership'::regclass order by 1",
  );
  const lists = Object.values(fields("Membership")).map(({ type }) => getNamedType(type).name).filter((type) => type.endsWith("Connection"));
  expect(lists.sort()).toEqual(keys.map(({ table_name }) => `${camel(`_${table_name}`)}Connection`));
});

/** A relation as the API builds fields of it: from where to where, its description and its tags. */
const relationOf = ({ localAttributes, remoteAttributes, remoteResource, isUnique, isReferencee, description, extensions }: PgCodecRelation) => ({
  localAttributes, remoteAttributes, remote: remoteResource.name, isUnique, isReferencee, description, tags: extensions?.tags,
});
/** The relation of a stamp to its member, as StampMembersPlugin makes it. */
const memberRelation = (stamp: string) => ({
  localAttributes: ["clinic_id", stamp],
  remoteAttributes: ["clinic_id", "user_id"],
  remote: "membership",
  isUnique: true,
  isReferencee: undefined,
  description: MEMBER_DESCRIPTION(stamp),
  tags: { fieldName: `${camel(stamp)}Member`, forwardBehavior: "-filterBy", backwardBehavior: "-*", behavior: ["-filterBy"] },
});

// on a database of its own: a table made in the shared one would change the API every other test file reads; the
// relations as the API gathers them, which its fields are built from (the other stamps' fields are checked above)
test("a stamp of a table added later has its member with nothing more written, as the others have theirs; one that is another table's key, or of a table of no clinic, has none", async () => {
  const { config, drop } = await schemaCopy("stamps");
  try {
    const own = new pg.Client({ connectionString: config.rootUrl });
    await own.connect();
    try {
      // approved_by holds a membership's id, as a visit's doctor_id does, noticed_by a notice's; signed_by a user's, as a stamp does
      await own.query(`create table app_public.notice (id uuid primary key, posted_by uuid);
        create table app_public.referral (id uuid primary key, clinic_id uuid not null references app_public.clinic, referred_by uuid,
          signed_by uuid references app_public."user", approved_by uuid, foreign key (clinic_id, approved_by) references app_public.membership (clinic_id, id),
          noticed_by uuid references app_public.notice);
        grant select on app_public.referral, app_public.notice to ${pg.escapeIdentifier(config.roles.visitor)}`);
    } finally {
      await own.end();
    }
    const { pgResources, pgRelations } = await gatherApiRegistry(config);
    const relations = (table: string, to: string) =>
      Object.fromEntries(Object.entries(pgRelations[table] ?? {}).filter(([, relation]) => relation.remoteResource.name === to).map(([name, relation]) => [name, relationOf(relation)]));
    expect(relations("patient", "membership").createdByMember).toEqual(memberRelation("created_by"));
    expect(Object.keys(relations("referral", "notice"))).toEqual(["noticeByMyNoticedBy"]);
    expect(relations("referral", "membership")).toEqual({
      referredByMember: memberRelation("referred_by"),
      signedByMember: memberRelation("signed_by"),
      // approved_by's foreign key, not a member read by a user's id
      membershipByMyClinicIdAndApprovedBy: { localAttributes: ["clinic_id", "approved_by"], remoteAttributes: ["clinic_id", "id"], remote: "membership", isUnique: true, isReferencee: undefined, description: undefined, tags: undefined },
    });
    // no way back from a member to the rows they stamped, as from the older stamps (approved_by's key has its own)
    const back = (table: string) => Object.values(relations("membership", table)).map(({ localAttributes, tags }) => [localAttributes, tags?.behavior]);
    expect(back("patient")).toEqual(expect.arrayContaining([[["clinic_id", "user_id"], ["-*"]]]));
    expect(back("referral")).toEqual([[["clinic_id", "id"], undefined], [["clinic_id", "user_id"], ["-*"]], [["clinic_id", "user_id"], ["-*"]]]);
    expect([pgResources.notice?.name, relations("notice", "membership")]).toEqual(["notice", {}]);
  } finally {
    await drop();
  }
});

test("each step of a visit reads who took it, by name and role, to every role of the clinic; to another clinic, no visit", async () => {
  const visit = await createVisit(c);
  const receptionist = await login(c.members.receptionist);
  const doctor = await login(c.members.doctor);
  for (const [browser, status] of [[receptionist, "checked_in"], [doctor, "in_progress"], [doctor, "completed"]] as const) {
    expect((await browser.graphql(STEP, { c: c.clinicId, id: visit.id, s: status })).body).toEqual({ data: { updateVisit: { visit: { status } } } });
  }
  const seen = { checkedInByMember: named(c.members.receptionist), startedByMember: named(c.members.doctor), completedByMember: named(c.members.doctor), createdByMember: null };
  for (const role of ROLES) {
    expect([role, (await (await login(c.members[role])).graphql(VISIT, { id: visit.id })).body]).toEqual([role, { data: { visits: { nodes: [seen] } } }]);
  }
  expect((await (await login(b.members.owner)).graphql(VISIT, { id: visit.id })).body).toEqual({ data: { visits: { nodes: [] } } });
});

test("a stamp of someone removed from the clinic reads null, and once they are back, their membership now, the row once", async () => {
  const person = await addMember(c.clinicId, await createUser(), "receptionist");
  const registered = await (await login(person)).graphql(`mutation { createPatient(input: { patient: { firstName: "Neema", lastName: "Stamped" } }) { patient { rowId } } }`);
  const id = registered.body.data.createPatient.patient.rowId;
  const owner = await login(c.members.owner);
  expect((await owner.graphql(`mutation($m: UUID!) { removeMember(input: { membershipId: $m }) { result { role } } }`, { m: person.membershipId })).body.errors).toBeUndefined();
  const read = async () => (await owner.graphql(PATIENT, { id })).body.data.patients.nodes;
  expect(await read()).toEqual([{ code: expect.any(String), createdBy: person.userId, createdByMember: null }]);
  await addMember(c.clinicId, person, "cashier");
  expect(await read()).toEqual([{ code: expect.any(String), createdBy: person.userId, createdByMember: { fullName: `Test ${person.phone}`, role: "cashier" } }]);
});

// an invitation makes no member (decision 009): a former receptionist's stamp read as a nameless member of the role
// offered them (`{ fullName: null, role: doctor }`), a doctor the clinic never had, where the day before it read null
test("a stamp of someone removed and invited again reads null while the invitation is pending, and their membership once they accept", async () => {
  const person = await addMember(c.clinicId, await createUser(), "receptionist");
  const registered = await (await login(person)).graphql(
    `mutation { createPatient(input: { patient: { firstName: "Zawadi", lastName: "Stamped" } }) { patient { rowId createdByMember { role } } } }`,
  );
  expect(registered.body.data.createPatient.patient.createdByMember).toEqual({ role: "receptionist" }); // the row a mutation returned reads its member too
  const id = registered.body.data.createPatient.patient.rowId;
  const owner = await login(c.members.owner);
  expect((await owner.graphql(`mutation($m: UUID!) { removeMember(input: { membershipId: $m }) { result { role } } }`, { m: person.membershipId })).body.errors).toBeUndefined();
  const invited = await owner.graphql(
    `mutation($p: String!) { inviteMember(input: { phone: $p, fullName: "Not their name", role: doctor, password: "not-their-password" }) { result { acceptedAt } } }`,
    { p: person.phone },
  );
  expect(invited.body).toEqual({ data: { inviteMember: { result: { acceptedAt: null } } } });
  const read = async () => (await owner.graphql(PATIENT, { id })).body.data.patients.nodes;
  expect(await read()).toEqual([{ code: expect.any(String), createdBy: person.userId, createdByMember: null }]);
  const accepted = await (await login(person)).graphql(`mutation($c: UUID!) { acceptInvitation(input: { clinicId: $c, role: doctor }) { result } }`, { c: c.clinicId });
  expect(accepted.body.errors).toBeUndefined();
  expect(await read()).toEqual([{ code: expect.any(String), createdBy: person.userId, createdByMember: { fullName: `Test ${person.phone}`, role: "doctor" } }]);
});

test("a stamp of the platform, or of someone of another clinic only, reads null", async () => {
  const byPlatform = await createPatient(c.clinicId);
  const byOutsider = await createPatient(c.clinicId);
  await writeBehindTriggers("update app_public.patient set created_by = $2 where id = $1", [byOutsider.id, b.members.owner.userId]);
  const owner = await login(c.members.owner);
  for (const [patient, createdBy] of [[byPlatform, null], [byOutsider, b.members.owner.userId]] as const) {
    expect((await owner.graphql(PATIENT, { id: patient.id })).body.data.patients.nodes).toEqual([{ code: patient.code, createdBy, createdByMember: null }]);
  }
});

/** The statements a query of `member`'s sends that read memberships. */
async function membershipStatements(member: TestMember, document: string, variables: Record<string, unknown>) {
  const browser = await login(member);
  const sent = await statementsSentBy(async () => expect((await browser.graphql(document, variables)).body.errors).toBeUndefined());
  return sent.filter(({ text }) => text.includes(`"app_public"."membership"`));
}

test("a stamp's member is read by one probe of the index on (clinic_id, user_id)", async () => {
  const visit = await createVisit(c, "checked_in");
  const sent = await membershipStatements(c.members.receptionist, VISIT, { id: visit.id });
  expect(sent).toHaveLength(1);
  const plan = await asMember(c.members.receptionist, async (client) => {
    await client.query("set local enable_seqscan = off");
    return JSON.stringify((await client.query(`explain (format json) ${sent[0].text}`, sent[0].values)).rows[0]);
  });
  expect(plan).toContain('"Index Name":"membership_clinic_id_user_id_idx"');
  expect(plan).not.toMatch(/"Relation Name":"membership"[^}]*"Node Type":"Seq Scan"|"Node Type":"Seq Scan"[^}]*"Relation Name":"membership"/);
});

// membership_full_name ran a statement of its own per stamp and row, its policies reading the session four times
test("a member's name is read with their user in the statement that reads the member, not by a function called per member", async () => {
  const visit = await createVisit(c, "checked_in");
  const [statement, ...more] = await membershipStatements(c.members.receptionist, VISIT, { id: visit.id });
  expect(more).toEqual([]);
  expect(statement.text).toContain(`"app_public"."user"`);
  expect(statement.text).not.toContain("membership_full_name");
});
