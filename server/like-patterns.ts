/**
 * The filters that look for a text inside another (`includes`, `startsWith`, `endsWith` and their
 * `Insensitive` and `not` forms) find it as it is written, backslashes included. The connection
 * filter builds a LIKE pattern of the text with its `%` and `_` escaped, but not the backslash, which
 * is LIKE's escape character: `includes: "M\\wangi"` matched Mwangi, `startsWith: "\\"` missed a
 * name that starts with one, and a text ending in a backslash was an invalid pattern (an internal
 * fault). The `like` operators take a pattern as written, and one ending in an escape (an odd number of
 * backslashes) is INVALID_INPUT before it runs: PostgreSQL refuses it only when a match reaches its end,
 * so such a pattern was refused or not depending on the rows.
 *
 * A column of a domain over text (a user's phone, `e164_phone`) is filtered as text: the filter cast its value to the
 * column's type, so a part of a phone (`includes`, `startsWith`, `like`…) broke the domain's check and was refused "A
 * phone number is +, the country code …" however it was typed, and a phone not as stored too, where a patient's phone
 * (text) finds no one. The operator is given the column's codec as text; its GraphQL type stays the domain's scalar.
 * A list's `condition` on such a column (`users(condition: { phone })`) compares as text too, for the same reason.
 */
import { ClientFacingError, LIKE_PATTERN_ENDS_IN_ESCAPE } from "./errors.ts";

const LIKE_OPERATORS = new Set(["like", "notLike", "likeInsensitive", "notLikeInsensitive"]);
/** Whether a pattern ends in LIKE's escape character: an odd number of backslashes at its end. */
const endsInEscape = (pattern: unknown) => typeof pattern === "string" && /(^|[^\\])(\\\\)*\\$/.test(pattern);
/** An input field's plan-time configuration: the filter's operators apply their value to the query's conditions. */
type Applied = { apply?: (target: unknown, value: unknown, ...rest: unknown[]) => unknown };
/** What a filter's operator reads of the column it filters (the connection filter's `pgFilterAttribute`). */
type Codec = { domainOfCodec?: Codec };
type FilterTarget = { extensions?: { pgFilterAttribute?: { codec?: Codec; attribute?: { codec?: Codec } } } };

/** The column's base type when it is a domain over text (compared as text), else undefined. */
function textOfDomain(target: unknown, text: Codec): Codec | undefined {
  const filtered = (target as FilterTarget)?.extensions?.pgFilterAttribute;
  let codec = filtered?.codec ?? filtered?.attribute?.codec;
  if (!codec?.domainOfCodec) return undefined;
  while (codec.domainOfCodec) codec = codec.domainOfCodec;
  return codec === text ? codec : undefined;
}

/** `target` as the operator sees it, its column's codec replaced by `codec`; everything else, its methods too, the target's own. */
function withCodec(target: object, codec: Codec): object {
  const extensions = (target as FilterTarget).extensions!;
  const changed = { ...extensions, pgFilterAttribute: { ...extensions.pgFilterAttribute, codec } };
  return new Proxy(target, {
    get: (of, key) => {
      if (key === "extensions") return changed;
      const value: unknown = Reflect.get(of, key, of);
      return typeof value === "function" ? value.bind(of) : value;
    },
  });
}

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
      GraphQLInputObjectType_fields_field(field, build, { scope }) {
        const { apply } = field as Applied;
        // a list's `condition` on such a column compares as text too: equal to what is stored, or nothing found
        const attribute = scope.isPgConnectionConditionInputField ? scope.pgAttribute : undefined;
        if (attribute && !attribute.via && textOfDomain({ extensions: { pgFilterAttribute: { attribute } } }, build.dataplanPg.TYPES.text)) {
          const { sql, dataplanPg: { sqlValueWithCodec, TYPES } } = build;
          const attributes: Record<string, unknown> = scope.pgCodec?.attributes ?? {};
          const name = Object.keys(attributes).find((key) => attributes[key] === attribute);
          if (!name) return field;
          const equalAsText = ($condition: { where(condition: unknown): void }, value: unknown) =>
            $condition.where({
              type: "attribute",
              attribute: name,
              callback: (expression: ReturnType<typeof sql>) => (value === null ? sql`${expression} is null` : sql`${expression} = ${sqlValueWithCodec(value, TYPES.text)}`),
            });
          return { ...field, apply: equalAsText } as typeof field;
        }
        if (!scope.isPgConnectionFilterOperator || !apply) return field;
        const text = build.dataplanPg.TYPES.text as Codec;
        const like = LIKE_OPERATORS.has(scope.fieldName);
        const checked: Applied["apply"] = (target, value, ...rest) => {
          if (like && endsInEscape(value)) throw new ClientFacingError("INVALID_INPUT", LIKE_PATTERN_ENDS_IN_ESCAPE);
          const asText = textOfDomain(target, text);
          return apply(asText ? withCodec(target as object, asText) : target, value, ...rest);
        };
        return { ...field, apply: checked };
      },
    },
  },
};
