/**
 * A subscription is followed over the websocket (graphql-ws at `/graphql`), never over HTTP: sent in
 * a POST, Grafast answered it as a stream that never ended, its headers only at the clinic's next
 * event, so a client that is not a browser hung on it. It is refused before it runs,
 * INVALID_QUERY (HTTP 400, or 200 to a client accepting `application/json` alone, as every
 * INVALID_QUERY), saying where to subscribe. Over the websocket, graphql-ws hands subscriptions to
 * `subscribe`, not to `execute`.
 */
import { getOperationAST, GraphQLError, OperationTypeNode } from "postgraphile/graphql";

export const SubscriptionsOverWebsocketsPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsSubscriptionsOverWebsocketsPlugin",
  version: "1.0.0",
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
