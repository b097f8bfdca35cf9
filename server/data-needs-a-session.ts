/**
 * A request sent without a session cookie is UNAUTHENTICATED, "Log in first.", before anything
 * runs, unless all it asks is who is logged in (`currentUser`, `currentClinic`, `currentRole`, null
 * then), what holds whoever asks (a phone normalised, a time zone or currency checked: a login page's
 * checks) or the schema (GraphiQL's introspection):
 * - every mutation acts as someone, and each function's own refusal read as if the caller lacked a
 *   role (an anonymous inviteMember was FORBIDDEN, "Only an owner or admin can invite members.");
 * - a query of a clinic's data answered as to an anonymous visitor, empty lists, and a browser
 *   drops the cookie when the session ends: the night shift's front desk read "no patients found"
 *   and an empty queue where it was logged out.
 * A session that has ended is told so by the database (app_private.live_session).
 */
import {
  getOperationAST,
  GraphQLError,
  Kind,
  type DocumentNode,
  type ExecutionArgs,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from "postgraphile/graphql";

/** What a request without a session may ask, at the top of a query. */
const ASKED_WITHOUT_A_SESSION = new Set([
  "currentUser", "currentClinic", "currentRole",
  "normalizePhone", "isValidTimezone", "isValidCurrency", "currencyDecimals",
  "__typename", "__schema", "__type",
]);

/** The names of the fields at the top of `selectionSet`, through its fragments. */
function topFieldNames(selectionSet: SelectionSetNode, document: DocumentNode, seen = new Set<string>()): string[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection.name.value];
    if (selection.kind === Kind.INLINE_FRAGMENT) return topFieldNames(selection.selectionSet, document, seen);
    const name = selection.name.value;
    if (seen.has(name)) return []; // a cycle, which validation refuses
    seen.add(name);
    const fragment = document.definitions.find(
      (definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === name,
    );
    return fragment ? topFieldNames(fragment.selectionSet, document, seen) : [];
  });
}

function refuseWithoutASession<E extends { args: Pick<ExecutionArgs, "document" | "operationName" | "contextValue"> }, R>(
  next: () => R,
  event: E,
): R | { errors: GraphQLError[] } {
  const { document, operationName, contextValue } = event.args;
  const pgSettings = (contextValue as { pgSettings?: Record<string, string | undefined> } | undefined)?.pgSettings;
  if (pgSettings?.["jwt.claims.session_id"]) return next();
  const operation = getOperationAST(document, operationName);
  // a subscription is refused by what it follows, with what to do (the live queue: log in to a clinic)
  if (!operation || operation.operation === "subscription") return next();
  if (operation.operation === "query" && topFieldNames(operation.selectionSet, document).every((name) => ASKED_WITHOUT_A_SESSION.has(name))) {
    return next();
  }
  return { errors: [new GraphQLError("Log in first.", { extensions: { code: "UNAUTHENTICATED" } })] };
}

export const DataNeedsASessionPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsDataNeedsASessionPlugin",
  version: "1.0.0",
  grafast: {
    // graphql-ws hands subscriptions alone to `subscribe`, which follows them with its own refusal
    middleware: { execute: refuseWithoutASession },
  },
};
