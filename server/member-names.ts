/**
 * A member's `fullName` is read from their `user`, as `user { fullName }` is: through user's policies,
 * so it is the name the session may read and null where it may not (an invitation not yet accepted),
 * as membership_full_name reads it. The user is fetched by its key, the member's `user_id`, as
 * PostGraphile plans a relation, so the name comes wherever a member does: where a statement reads the
 * member (a list, a stamp's member, a visit's doctor), Grafast joins the user into it; where the member
 * is the row a mutation returned (`updateMembership { membership }`), which no statement reads, the
 * user is read by a statement of its own. It was planned as the join alone (`singleRelation`, a
 * select's only), and that payload answered INTERNAL. The function stays what the list is ordered by
 * (`FULL_NAME_ASC`); called once per member read, each call ran its own statement, its policies asking
 * for the session again (four live_session reads a call).
 */
import type { PgDeleteSingleStep, PgInsertSingleStep, PgSelectSingleStep, PgUpdateSingleStep } from "postgraphile/@dataplan/pg";

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
        return {
          ...fields,
          fullName: { ...fields.fullName, plan: ($member: MemberStep) => users.get({ [key]: $member.get("user_id") }).get("full_name") },
        };
      },
    },
  },
};
