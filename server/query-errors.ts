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
import { isPromiseLike } from "postgraphile/grafast";
import type { ExecutionConfig } from "postgraphile/grafserv";
import { GraphQLError } from "postgraphile/graphql";

type ParseAndValidate = ExecutionConfig["parseAndValidate"];

/** GraphQL's refusal with the code INVALID_QUERY, unless it has a code already. */
export const withQueryCode = (error: GraphQLError): GraphQLError =>
  error.extensions.code
    ? error
    : new GraphQLError(error.message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        extensions: { ...error.extensions, code: "INVALID_QUERY" },
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

export const QueryErrorCodesPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsQueryErrorCodesPlugin",
  version: "1.0.0",
  grafserv: {
    middleware: {
      setPreset(next, event) {
        const { getExecutionConfig } = event;
        event.getExecutionConfig = function (context) {
          const config = getExecutionConfig.call(this, context);
          return isPromiseLike(config) ? config.then(withCodingErrors) : withCodingErrors(config);
        };
        return next();
      },
    },
  },
};
