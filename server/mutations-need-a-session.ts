/**
 * A mutation sent without a session cookie is UNAUTHENTICATED, "Log in
 * first.", before anything runs: every mutation acts as someone, and each function's own refusal read
 * as if the caller lacked a role (an anonymous inviteMember was FORBIDDEN, "Only
 * an owner or admin can invite members."). Queries without a session still
 * answer what an anonymous visitor may see: `currentUser` null, empty lists.
 * A session that has ended is told so by the database (app_private.live_session).
 */
import { getOperationAST, GraphQLError, OperationTypeNode, type ExecutionArgs } from "postgraphile/graphql";

function refuseAnonymousMutations<E extends { args: Pick<ExecutionArgs, "document" | "operationName" | "contextValue"> }, R>(
  next: () => R,
  event: E,
): R | { errors: GraphQLError[] } {
  const { document, operationName, contextValue } = event.args;
  if (getOperationAST(document, operationName)?.operation !== OperationTypeNode.MUTATION) return next();
  const pgSettings = (contextValue as { pgSettings?: Record<string, string | undefined> } | undefined)?.pgSettings;
  if (pgSettings?.["jwt.claims.session_id"]) return next();
  return { errors: [new GraphQLError("Log in first.", { extensions: { code: "UNAUTHENTICATED" } })] };
}

export const MutationsNeedASessionPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsMutationsNeedASessionPlugin",
  version: "1.0.0",
  grafast: {
    middleware: {
      execute: refuseAnonymousMutations,
      subscribe: refuseAnonymousMutations,
    },
  },
};
