/**
 * GraphQL's own refusals of a request (a syntax error, an unknown field or
 * enum value, an argument of the wrong type) carry the code INVALID_QUERY,
 * with GraphQL's message, which says what is wrong and where.
 *
 * grafserv answers them before anything runs and without maskError, so the
 * code is given where grafserv lets a plugin in (variables of the wrong type,
 * refused as the operation starts, get theirs in request-limits.ts): the execution config that
 * `setPreset` hands out, whose parseAndValidate is wrapped. Errors that have
 * a code already (LIMIT_EXCEEDED, INVALID_INPUT from the request limits' rule)
 * keep it.
 */
import type { ExecutionConfig, Result } from "postgraphile/grafserv";
import { GraphQLError } from "postgraphile/graphql";
import { ClientFacingError } from "./errors.ts";
import { onceSettled } from "./once-settled.ts";

type ParseAndValidate = ExecutionConfig["parseAndValidate"];

/** The code of a scalar's refusal of a value (scalar-forms.ts), which GraphQL wraps once for a literal, twice for a variable. */
function scalarRefusalCode(error: GraphQLError): string | undefined {
  for (let cause: Error | undefined = error.originalError; cause; cause = (cause as GraphQLError).originalError ?? undefined) {
    if (cause instanceof ClientFacingError) return cause.clientCode;
  }
  return undefined;
}

/** GraphQL's refusal with the code INVALID_QUERY, unless it has a code already, or a scalar refused the value with one of ours. */
export const withQueryCode = (error: GraphQLError): GraphQLError =>
  error.extensions.code
    ? error
    : new GraphQLError(error.message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        extensions: { ...error.extensions, code: scalarRefusalCode(error) ?? "INVALID_QUERY" },
      });

/**
 * GraphQL's parser recurses as deep as a query nests: past a couple of
 * thousand levels it runs out of stack, and grafserv hands on the RangeError
 * among the query's errors.
 */
const tooDeepToParse = new GraphQLError("This query nests too deeply to be read.", { extensions: { code: "LIMIT_EXCEEDED" } });

const codingErrors = (parseAndValidate: ParseAndValidate): ParseAndValidate => (query) => {
  const result = parseAndValidate(query);
  return result.errors
    ? { errors: result.errors.map((error: Error) => (error instanceof GraphQLError ? withQueryCode(error) : tooDeepToParse)) }
    : result;
};

const withCodingErrors = (config: ExecutionConfig): ExecutionConfig => ({ ...config, parseAndValidate: codingErrors(config.parseAndValidate) });

/** The request body's size limit (grafserv's maxRequestLength), named in the refusal of a larger one. */
export const MAX_REQUEST_BYTES = 200_000;

/**
 * grafserv refuses a body it cannot read as one GraphQL request (larger than
 * MAX_REQUEST_BYTES, not JSON, a batch, a query that is not a string, a media
 * type other than JSON) with an HTTP status and no code: a body too large is
 * LIMIT_EXCEEDED, any other INVALID_QUERY, as GraphQL's own refusals are.
 */
function codingHttpRefusals(result: Result | null): Result | null {
  if (result?.type !== "buffer" || result.statusCode < 400 || result.statusCode >= 500) return result;
  // GraphQL's answers only (grafserv's other 4xx, such as GraphiQL's missing files, are HTML)
  if (!/json/.test(String(result.headers["content-type"] ?? ""))) return result;
  const payload = JSON.parse(result.buffer.toString("utf8")) as { errors?: { message: string; extensions?: Record<string, unknown> }[] };
  if (!payload.errors?.some((error) => !error.extensions?.code)) return result;
  payload.errors = payload.errors.map((error) =>
    error.extensions?.code
      ? error
      : result.statusCode === 413
        ? { message: `The request is larger than the ${MAX_REQUEST_BYTES.toLocaleString("en")} bytes allowed.`, extensions: { code: "LIMIT_EXCEEDED" } }
        : { ...error, extensions: { ...error.extensions, code: "INVALID_QUERY" } },
  );
  const buffer = Buffer.from(JSON.stringify(payload), "utf8");
  return { ...result, buffer, headers: { ...result.headers, "content-length": String(buffer.length) } };
}

/** A grafserv setPreset middleware, as a function (a plugin's own may call one). */
type SetPresetMiddleware = Extract<NonNullable<NonNullable<NonNullable<GraphileConfig.Plugin["grafserv"]>["middleware"]>["setPreset"]>, (...args: never[]) => unknown>;

/** A grafserv setPreset middleware that hands out every execution config (HTTP's and the websocket's) through `wrap`. */
export const eachExecutionConfig = (wrap: (config: ExecutionConfig) => ExecutionConfig): SetPresetMiddleware => (next, event) => {
  const { getExecutionConfig } = event;
  event.getExecutionConfig = function (context) {
    const config = getExecutionConfig.call(this, context);
    return onceSettled(config, wrap);
  };
  return next();
};

export const QueryErrorCodesPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsQueryErrorCodesPlugin",
  version: "1.0.0",
  grafserv: {
    middleware: {
      processRequest(next) {
        const result = next();
        return onceSettled(result, codingHttpRefusals);
      },
      setPreset: eachExecutionConfig(withCodingErrors),
    },
  },
};
