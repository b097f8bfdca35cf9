/**
 * A member's `fullName` is read from their `user`, as `user { fullName }` is: through user's policies,
 * so it is the name the session may read and null where it may not (an invitation not yet accepted),
 * as membership_full_name reads it. The user is read by its key, the member's `user_id`, in the
 * statement that reads the member (a list, a stamp's member, a visit's doctor: `nameOf`, the one
 * expression of the name that the field, the order and the filter share); where the member is the row a
 * mutation returned (`updateMembership { membership }`), which no statement reads, the row is read again
 * from its record (`pgSelectSingleFromRecord`, as PostGraphile reads a computed column of it) by a
 * statement of its own. It was planned as a join to the user alone (`singleRelation`, a select's only),
 * and that payload answered INTERNAL. Called once per member read, the function ran its
 * own statement, its policies asking for the session again (four live_session reads a call). Where `user`
 * names no one, a pending member is
 * named as the function names them, by app_hidden.invited_again_name, called for pending members alone
 * (`accepted_at` null) in the statement that reads them: a former member invited again is named while the
 * invitation is pending, as their visits and the audit log name them; one never a member is not. Not in a
 * mutation's own statement (`inviteMember`'s, a function's): called there, it sees the database as it was
 * before the mutation.
 *
 * The staff list's order by name (`FULL_NAME_ASC`/`_DESC`, its default) and the filter on it (`fullName`,
 * a list's and a relation's: `visits(filter: { doctor: { fullName: … } })`) read the same name in the
 * statement that reads the members: the user by a sub-select of the member's `user_id`, through user's
 * policies, then invited_again_name for a pending member. PostGraphile ordered and filtered by
 * membership_full_name, a statement per call (two a member: the order's null flag, then the name), whose
 * user's policy (select_colleagues) read the clinic's accepted memberships afresh each time: a staff list
 * read its clinic's memberships twice per member (179,701 of them for a page of a clinic of 300). In the
 * list's statement the policy's memberships are read once, and each member's user by its key.
 */
import { PgCondition, type PgDeleteSingleStep, type PgInsertSingleStep, pgSelectSingleFromRecord, PgSelectSingleStep, type PgUpdateSingleStep, TYPES } from "postgraphile/@dataplan/pg";
import type { GraphQLEnumValueConfigMap } from "postgraphile/graphql";
import type { SQL } from "postgraphile/pg-sql2";
import type { OrderQueryBuilder } from "./attribute-orders.ts";

/** What a Membership is planned from: a select's row, or the row an insert, update or delete returned. */
type MemberStep = PgSelectSingleStep | PgInsertSingleStep | PgUpdateSingleStep | PgDeleteSingleStep;

export const MemberNamesPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsMemberNamesPlugin",
  version: "1.0.0",
  after: ["PgOrderCustomFieldsPlugin", "PgConnectionArgFilterComputedAttributesPlugin"],
  before: ["ClinicOpsNullableOrderPlugin"],
  schema: {
    hooks: {
      // before NullableOrderPlugin, which orders first by whether the name is null (invitations last)
      GraphQLEnumType_values(values, build, { scope }) {
        const { isPgRowSortEnum, pgCodec } = scope as GraphileBuild.ScopeEnum & { isPgRowSortEnum?: boolean; pgCodec?: { name: string } };
        if (!isPgRowSortEnum || pgCodec?.name !== "membership") return values;
        const { resource, nameOf } = memberName(build);
        const ordered: GraphQLEnumValueConfigMap = {};
        for (const [variant, direction] of [["asc", "ASC"], ["desc", "DESC"]] as const) {
          const name = build.inflection.computedAttributeOrder({ resource, variant });
          if (!values[name]) throw new Error(`MembershipOrderBy has no ${name}: the staff list's order by name has nothing to replace`);
          const apply = (queryBuilder: OrderQueryBuilder) =>
            queryBuilder.orderBy({ fragment: nameOf(queryBuilder.alias as SQL), codec: TYPES.text, direction });
          ordered[name] = { ...values[name], extensions: { ...values[name].extensions, grafast: { apply } } };
        }
        return { ...values, ...ordered };
      },
      GraphQLInputObjectType_fields(fields, build, { scope }) {
        const { isPgConnectionFilter, pgCodec } = scope as GraphileBuild.ScopeInputObject & { isPgConnectionFilter?: boolean; pgCodec?: { name: string } };
        if (!isPgConnectionFilter || pgCodec?.name !== "membership") return fields;
        if (!fields.fullName) throw new Error("MembershipFilter has no fullName: the filter by name has nothing to replace");
        const { nameOf } = memberName(build);
        const apply = ($where: PgCondition, value: unknown) => {
          if (value == null) return undefined;
          const $name = new PgCondition($where);
          $name.extensions.pgFilterAttribute = { fieldName: "fullName", codec: TYPES.text, expression: nameOf($where.alias) };
          return $name;
        };
        return { ...fields, fullName: { ...fields.fullName, apply } as typeof fields.fullName };
      },
      GraphQLObjectType_fields(fields, build, { scope: { pgCodec, isPgClassType } }) {
        if (!isPgClassType || pgCodec?.name !== "membership" || !fields.fullName) return fields;
        const { nameOf } = memberName(build);
        return {
          ...fields,
          fullName: {
            ...fields.fullName,
            plan: ($member: MemberStep) => {
              const $row = $member instanceof PgSelectSingleStep && $member.getClassStep().mode !== "mutation" ? $member : pgSelectSingleFromRecord($member.resource, $member.record());
              return $row.select(nameOf($row.getClassStep().alias as SQL), TYPES.text);
            },
          },
        };
      },
    },
  },
};

/**
 * membership_full_name, the resource of `fullName` (its orders' names are inflected from it), and the name it gives
 * a member of the statement's alias `member`, as an expression of that statement: the user by its key through user's
 * policies (their memberships read once per statement), else, for a pending member, invited_again_name.
 */
function memberName(build: GraphileBuild.Build) {
  const { sql, inflection } = build;
  type Computed = Parameters<typeof inflection.computedAttributeField>[0]["resource"];
  const resource = Object.values(build.input.pgRegistry.pgResources).find(
    (candidate): candidate is Computed =>
      candidate.parameters?.[0]?.codec.name === "membership" && candidate.isUnique && inflection.computedAttributeField({ resource: candidate as Computed }) === "fullName",
  );
  if (!resource) throw new Error("membership has no fullName function: the staff list has no name to order by");
  const users = build.input.pgRegistry.pgResources.user?.from;
  if (!users || typeof users === "function") throw new Error("the user table is not a resource: fullName has no user to read");
  const invitedAgainName = sql.identifier("app_hidden", "invited_again_name");
  const nameOf = (member: SQL) => {
    const user = sql.identifier(Symbol("user"));
    return sql`coalesce((select ${user}.full_name from ${users} as ${user} where ${user}.id = ${member}.user_id), case when ${member}.accepted_at is null then ${invitedAgainName}(${member}) end)`;
  };
  return { resource, nameOf };
}
