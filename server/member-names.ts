/**
 * A member's `fullName` is read by a join to their `user`, as `user { fullName }` is, in the query
 * that reads the member: through user's policies, so it is the name the session may read and null
 * where it may not (an invitation not yet accepted), as membership_full_name reads it. The function
 * stays what the list is ordered by (`FULL_NAME_ASC`); called once per member read, each call ran
 * its own statement, its policies asking for the session again (four live_session reads a call).
 */
import type { PgSelectSingleStep } from "postgraphile/@dataplan/pg";

export const MemberNamesPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsMemberNamesPlugin",
  version: "1.0.0",
  schema: {
    hooks: {
      GraphQLObjectType_fields(fields, build, { scope: { pgCodec, isPgClassType } }) {
        if (!isPgClassType || pgCodec?.name !== "membership" || !fields.fullName) return fields;
        const relations = build.input.pgRegistry.pgRelations.membership ?? {};
        const toUser = Object.entries(relations).find(
          ([, relation]) => !relation.isReferencee && relation.remoteResource.codec.name === "user" && relation.localAttributes.join() === "user_id",
        )?.[0];
        if (!toUser) throw new Error("membership has no relation to its user: fullName has nothing to read");
        return {
          ...fields,
          fullName: { ...fields.fullName, plan: ($member: PgSelectSingleStep) => $member.singleRelation(toUser).get("full_name") },
        };
      },
    },
  },
};
