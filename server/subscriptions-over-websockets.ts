/**
 * A subscription is followed over the websocket (graphql-ws at `/graphql`), never over HTTP: sent in
 * a POST, Grafast answered it as a stream that never ended, its headers only at the clinic's next
 * event, so a client that is not a browser hung on it. It is refused before it runs,
 * INVALID_QUERY (HTTP 400, or 200 to a client accepting `application/json` alone, as every
 * INVALID_QUERY), saying where to subscribe. Over the websocket, graphql-ws hands subscriptions to
 * `subscribe`, not to `execute`.
 *
 * A subscription follows one field, never skipped: `@skip` or `@include` in its top level selection (on its field, or on
 * a fragment there) is refused as GraphQL now refuses it, INVALID_QUERY, before anything runs. GraphQL 16's validation
 * let it through: a literal reached Grafast's planner, which asserts a root field (an internal fault, INTERNAL and its
 * stack logged, at each message), and a variable made GraphQL's own rule throw (an error without a code).
 */
import { type ASTVisitor, type FragmentDefinitionNode, getOperationAST, GraphQLError, Kind, OperationTypeNode, type SelectionNode } from "postgraphile/graphql";
import { refuseDocument } from "./request-limits.ts";

/** Whether `selections`, a subscription's top level, carry @skip or @include, on a field or on a fragment there (its own top level included). */
function skippedAtTheTop(selections: readonly SelectionNode[], fragments: ReadonlyMap<string, FragmentDefinitionNode>, seen = new Set<string>()): boolean {
  return selections.some((selection) => {
    if (selection.directives?.some(({ name }) => name.value === "skip" || name.value === "include")) return true;
    if (selection.kind === Kind.INLINE_FRAGMENT) return skippedAtTheTop(selection.selectionSet.selections, fragments, seen);
    if (selection.kind !== Kind.FRAGMENT_SPREAD || seen.has(selection.name.value)) return false;
    seen.add(selection.name.value); // each fragment once (a cycle is GraphQL's to refuse)
    const fragment = fragments.get(selection.name.value);
    return fragment !== undefined && skippedAtTheTop(fragment.selectionSet.selections, fragments, seen);
  });
}

/** The validation rule refusing a subscription whose top level is skipped or included by a directive, as the document is entered. */
const subscriptionFieldNeverSkipped = (): ASTVisitor => ({
  Document(document) {
    const fragments = new Map(document.definitions.flatMap((definition) => (definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [])));
    for (const definition of document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION || definition.operation !== OperationTypeNode.SUBSCRIPTION) continue;
      if (!skippedAtTheTop(definition.selectionSet.selections, fragments)) continue;
      const name = definition.name ? `Subscription "${definition.name.value}"` : "Anonymous subscription";
      refuseDocument(
        new GraphQLError(`${name} must not use @skip or @include in its top level selection: a subscription follows one field.`, {
          nodes: definition,
          extensions: { code: "INVALID_QUERY" },
        }),
      );
    }
  },
});

export const SubscriptionsOverWebsocketsPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsSubscriptionsOverWebsocketsPlugin",
  version: "1.0.0",
  grafserv: {
    middleware: {
      setPreset(next, event) {
        event.validationRules.push(subscriptionFieldNeverSkipped);
        return next();
      },
    },
  },
  grafast: {
    middleware: {
      execute(next, event) {
        const { document, operationName, requestContext } = event.args;
        if (requestContext?.ws || getOperationAST(document, operationName)?.operation !== OperationTypeNode.SUBSCRIPTION) return next();
        return {
          errors: [
            new GraphQLError("Subscribe over the websocket (the graphql-ws protocol at /graphql): over HTTP a subscription's answer never ends.", {
              extensions: { code: "INVALID_QUERY" },
            }),
          ],
        };
      },
    },
  },
};
