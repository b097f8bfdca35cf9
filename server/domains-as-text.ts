/**
 * A column of a domain over text (a user's phone, `e164_phone`) is filtered as text. The connection filter cast each
 * operator's value to the column's type, so a part of a phone (`includes`, `startsWith`, `like`…) broke the domain's check
 * and was refused "A phone number is +, the country code …" however it was typed, and a phone not as stored too, where a
 * patient's phone (text) finds no one. The operator is given the column's codec as text; its GraphQL type stays the
 * domain's scalar (E164Phone), and the key's index is still used (a domain's relabel is no cast for it). A list's
 * `condition` on such a column (`users(condition: { phone })`) compares as text too, for the same reason. Functions that
 * take a phone (`userByPhone`) still refuse what is no phone.
 */

import { type Applied, conditionColumn, conditionWritten, type FilterTarget } from "./input-fields.ts";

/** A column's type as the filter and the condition read it. */
type Codec = { domainOfCodec?: Codec };

/** `codec`'s base type when it is a domain over text, else undefined. */
function textUnder(codec: Codec | undefined, text: Codec): Codec | undefined {
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

export const DomainsAsTextPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsDomainsAsTextPlugin",
  version: "1.0.0",
  after: ["PgConnectionArgFilterPlugin"],
  schema: {
    hooks: {
      GraphQLInputObjectType_fields_field(field, build, { scope }) {
        const text = build.dataplanPg.TYPES.text as Codec;
        const { apply } = field as Applied;
        // a list's `condition` on such a column: equal to what is stored as text, or nothing found
        const column = conditionColumn(scope);
        if (column && textUnder(column.codec as Codec, text)) {
          const { sqlValueWithCodec, TYPES } = build.dataplanPg;
          return conditionWritten(field, build, column.name, (value) => sqlValueWithCodec(value, TYPES.text));
        }
        if (!scope.isPgConnectionFilterOperator || !apply) return field;
        const asText: Applied["apply"] = (target, value, ...rest) => {
          const filtered = (target as FilterTarget)?.extensions?.pgFilterAttribute;
          const base = textUnder(filtered?.codec ?? filtered?.attribute?.codec, text);
          return apply(base ? withCodec(target as object, base) : target, value, ...rest);
        };
        return { ...field, apply: asText };
      },
    },
  },
};
