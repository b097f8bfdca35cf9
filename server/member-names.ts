/**
 * A member's `fullName` is read from their `user`, as `user { fullName }` is: through user's policies,
 * so it is the name the session may read and null where it may not (an invitation not yet accepted),
 * as membership_full_name reads it. The user is fetched by its key, the member's `user_id`, as
 * PostGraphile plans a relation, so the name comes wherever a member does: where a statement reads the
 * member (a list, a stamp's member, a visit's doctor), Grafast joins the user into it; where the member
 * is the row a mutation returned (`updateMembership { membership }`), which no statement reads, the
 * row is read again from its record (`pgSelectSingleFromRecord`, as PostGraphile reads a computed column
 * of it) by a statement of its own, joined to the user. It was planned as the join alone (`singleRelation`,
 * a select's only), and that payload answered INTERNAL. The function stays what the list is ordered by
 * (`FULL_NAME_ASC`); called once per member read, each call ran its own statement, its policies asking
 * for the session again (four live_session reads a call). Where `user` names no one, a pending member is
 * named as the function names them, by app_hidden.invited_again_name, called for pending members alone
 * (`accepted_at` null) in the statement that reads them: a former member invited again is named while the
 * invitation is pending, as their visits and the audit log name them; one never a member is not. Not in a
 * mutation's own statement (`inviteMember`'s, a function's): called there, it sees the database as it was
 * before the mutation.
 */
import { type PgDeleteSingleStep, type PgInsertSingleStep, pgSelectSingleFromRecord, PgSelectSingleStep, type PgUpdateSingleStep, TYPES } from "postgraphile/@dataplan/pg";
import { lambda } from "postgraphile/grafast";

/** What a Membership is planned from: a select's row, or the row an insert, update or delete returned. */
type MemberStep = PgSelectSingleStep | PgInsertSingleStep | PgUpdateSingleStep | PgDeleteSingleStep;

export const MemberNamesPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsMemberNamesPlugin",
  version: "1.0.0",
  schema: {
    hooks: {
      GraphQLObjectType_fields(fields, build, { scope: { pgCodec, isPgClassType } }) {
        if (!isPgClassType || pgCodec?.name !== "membership" || !fields.fullName) return fields;
        const relations = build.input.pgRegistry.pgRelations.membership ?? {};
        const toUser = Object.values(relations).find(
          (relation) => !relation.isReferencee && relation.remoteResource.codec.name === "user" && relation.localAttributes.join() === "user_id",
        );
        if (!toUser) throw new Error("membership has no relation to its user: fullName has nothing to read");
        const { remoteResource: users, remoteAttributes: [key] } = toUser;
        const { sql } = build;
        const invitedAgainName = sql.identifier("app_hidden", "invited_again_name");
        return {
          ...fields,
          fullName: {
            ...fields.fullName,
            plan: ($member: MemberStep) => {
              const $row = $member instanceof PgSelectSingleStep && $member.getClassStep().mode !== "mutation" ? $member : pgSelectSingleFromRecord($member.resource, $member.record());
              const { alias } = $row.getClassStep();
              const $userName = users.get({ [key]: $row.get("user_id") }).get("full_name");
              const $pendingName = $row.select(sql`case when ${alias}.accepted_at is null then ${invitedAgainName}(${alias}) end`, TYPES.text);
              return lambda([$userName, $pendingName], ([userName, pendingName]) => userName ?? pendingName, true);
            },
          },
        };
      },
    },
  },
};
