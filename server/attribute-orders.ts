/**
 * What sort-collation.ts and nullable-order.ts share: the `<COLUMN>_ASC`/`_DESC` values of a
 * table's OrderBy enum, each column's pair given a new `apply` by `reorder` (which gets the one it
 * replaces, PostGraphile's or an earlier plugin's, and the table), or left as it is (undefined).
 */
import type { PgCodecAttribute, PgCodecWithAttributes } from "postgraphile/@dataplan/pg";
import type { GraphQLEnumValueConfigMap } from "postgraphile/graphql";

export type OrderQueryBuilder = { alias: unknown; orderBy(spec: object): void };
export type OrderApply = (queryBuilder: OrderQueryBuilder) => void;

const DIRECTIONS = [["asc", "ASC"], ["desc", "DESC"]] as const;

/** Whether a column may hold nulls (nor its type, a domain, says not). */
export const isNullable = (attribute: PgCodecAttribute) => !attribute.notNull && !attribute.codec.notNull;

export function reorderAttributes(
  values: GraphQLEnumValueConfigMap,
  build: GraphileBuild.Build,
  scope: GraphileBuild.ScopeEnum,
  reorder: (attributeName: string, attribute: PgCodecAttribute, direction: "ASC" | "DESC", previous: OrderApply, table: PgCodecWithAttributes) => OrderApply | undefined,
): GraphQLEnumValueConfigMap {
  const { isPgRowSortEnum, pgCodec } = scope as GraphileBuild.ScopeEnum & { isPgRowSortEnum?: boolean; pgCodec?: PgCodecWithAttributes };
  if (!isPgRowSortEnum || !pgCodec?.attributes) return values;
  const reordered: GraphQLEnumValueConfigMap = {};
  for (const [attributeName, attribute] of Object.entries(pgCodec.attributes)) {
    if (attribute.via) continue; // another table's column
    for (const [variant, direction] of DIRECTIONS) {
      const name = build.inflection.orderByAttributeEnum({ codec: pgCodec, attributeName, variant });
      const previous = values[name]?.extensions?.grafast?.apply as OrderApply | undefined;
      if (!previous) continue; // not orderable (its behavior)
      const apply = reorder(attributeName, attribute, direction, previous, pgCodec);
      if (apply) reordered[name] = { ...values[name], extensions: { ...values[name].extensions, grafast: { apply } } };
    }
  }
  return { ...values, ...reordered };
}
