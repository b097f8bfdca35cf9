/**
 * The filters that look for a text inside another (`includes`, `startsWith`, `endsWith` and their
 * `Insensitive` and `not` forms) find it as it is written, backslashes included. The connection
 * filter builds a LIKE pattern of the text with its `%` and `_` escaped, but not the backslash, which
 * is LIKE's escape character: `includes: "M\\wangi"` matched Mwangi, `startsWith: "\\"` missed a
 * name that starts with one, and a text ending in a backslash was an invalid pattern (an internal
 * fault). The `like` operators take a pattern as written, and one ending in an escape (an odd number of
 * backslashes) is INVALID_INPUT before it runs: PostgreSQL refuses it only when a match reaches its end,
 * so such a pattern was refused or not depending on the rows.
 */
import { ClientFacingError, LIKE_PATTERN_ENDS_IN_ESCAPE } from "./errors.ts";
import type { Applied } from "./input-fields.ts";

const LIKE_OPERATORS = new Set(["like", "notLike", "likeInsensitive", "notLikeInsensitive"]);
/** Whether a pattern ends in LIKE's escape character: an odd number of backslashes at its end. */
const endsInEscape = (pattern: unknown) => typeof pattern === "string" && /(^|[^\\])(\\\\)*\\$/.test(pattern);

export const LikePatternsPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsLikePatternsPlugin",
  version: "1.0.0",
  after: ["PgConnectionArgFilterPlugin"],
  schema: {
    hooks: {
      build(build) {
        const escapeWildcards = build.escapeLikeWildcards;
        if (!escapeWildcards) throw new Error("ClinicOpsLikePatternsPlugin: the connection filter's escapeLikeWildcards is missing");
        build.escapeLikeWildcards = build.EXPORTABLE(
          (escapeWildcards) => (input: unknown) => escapeWildcards(typeof input === "string" ? input.replaceAll("\\", "\\\\") : input),
          [escapeWildcards],
        );
        return build;
      },
      GraphQLInputObjectType_fields_field(field, _build, { scope }) {
        const { apply } = field as Applied;
        if (!scope.isPgConnectionFilterOperator || !LIKE_OPERATORS.has(scope.fieldName) || !apply) return field;
        const checked: Applied["apply"] = (target, value, ...rest) => {
          if (endsInEscape(value)) throw new ClientFacingError("INVALID_INPUT", LIKE_PATTERN_ENDS_IN_ESCAPE);
          return apply(target, value, ...rest);
        };
        return { ...field, apply: checked };
      },
    },
  },
};
