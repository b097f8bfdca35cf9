/**
 * A mutation's write is committed before its answer is read: an error found while reading the
 * payload (a cursor that is not valid for a list under it, `offset` with `last`, a dashboard's bad
 * period under `query`) comes after the patient was registered or the payment recorded. Such an
 * error carries `extensions.saved: true`, where it read as a refusal: a client that retried on it
 * registered the patient twice. An error of the mutation itself (its path the mutation's name
 * alone) wrote nothing, and carries no `saved`.
 */
import { getOperationAST, GraphQLError, OperationTypeNode, type ExecutionArgs, type ExecutionResult } from "postgraphile/graphql";
import { onceSettled } from "./once-settled.ts";

/** The error as the answer to a write that stood: `saved: true`, the rest as it was. */
export function savedBefore(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, saved: true },
  });
}

function markingSavedWrites(result: unknown): unknown {
  const errors = (result as ExecutionResult | undefined)?.errors;
  if (!errors?.some((error) => (error.path?.length ?? 0) > 1)) return result;
  return { ...(result as ExecutionResult), errors: errors.map((error) => ((error.path?.length ?? 0) > 1 ? savedBefore(error) : error)) };
}

function markSavedWrites<E extends { args: Pick<ExecutionArgs, "document" | "operationName"> }, R>(next: () => R, event: E): R {
  const { document, operationName } = event.args;
  if (getOperationAST(document, operationName)?.operation !== OperationTypeNode.MUTATION) return next();
  const result = next();
  return onceSettled(result, markingSavedWrites) as R;
}

export const SavedBeforeTheAnswerPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsSavedBeforeTheAnswerPlugin",
  version: "1.0.0",
  grafast: {
    middleware: { execute: markSavedWrites },
  },
};
