/**
 * What sort-collation.ts and nullable-order.ts share: the `<COLUMN>_ASC`/`_DESC` values of a
 * table's OrderBy enum, each column's pair given a new `apply` (PostGraphile's, or an earlier
 * plugin's, passed along) by `reorder`, which returns undefined to leave a column as it is.
 */
import type { PgCodecAttribute, PgCodecWithAttributes } from "postgraphile/@dataplan/pg";
import type { GraphQLEnumValueConfigMap } from "postgraphile/graphql";

export type OrderQueryBuilder = { alias: unknown; orderBy(spec: object): void };
export type OrderApply = (queryBuilder: OrderQueryBuilder) => void;

const DIRECTIONS = [["asc", "ASC"], ["desc", "DESC"]] as const;

export function reorderAttributes(
  values: GraphQLEnumValueConfigMap,
  build: GraphileBuild.Build,
  scope: GraphileBuild.ScopeEnum,
  reorder: (attributeName: string, attribute: PgCodecAttribute, direction: "ASC" | "DESC", previous: OrderApply) => OrderApply | undefined,
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
      const apply = reorder(attributeName, attribute, direction, previous);
      if (apply) reordered[name] = { ...values[name], extensions: { ...values[name].extensions, grafast: { apply } } };
    }
  }
  return { ...values, ...reordered };
}
