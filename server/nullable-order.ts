/**
 * An order by a value that may be null sorts first by whether it is null (nulls last ascending,
 * first descending, as PostgreSQL orders them anyway), then by the value as before. @dataplan/pg
 * 1.1.2 builds a page's cursor condition over a nullable value the wrong way round: the page after
 * one that ended on the last value (ascending) or on a null (descending) came back empty, and the
 * rows beyond it were never reached (patients by phone, services by category, invoices by their
 * largest payment: none for an invoice without one). With the null flag first, two rows compared on
 * the value are both null or both not.
 * - A nullable column's `<COLUMN>_ASC`/`_DESC` (PostGraphile's order, or sort-collation.ts's): such
 *   an order no longer walks the column's index; the lists ordered by a nullable column are small,
 *   or filtered first.
 * - Any other order value that orders by an expression without saying whether it can be null:
 *   pg-aggregates' orders by an aggregate of related rows (`MONEY_MOVEMENTS_MAX_AMOUNT_DESC`, and its
 *   counts, which are never null but do not say so: they are computed twice).
 */
import type { GraphQLEnumValueConfigMap } from "postgraphile/graphql";
import type { SQL } from "postgraphile/pg-sql2";
import { isNullable, type OrderApply, type OrderQueryBuilder, reorderAttributes } from "./attribute-orders.ts";

type OrderSpec = { fragment?: SQL; nullable?: boolean; direction: "ASC" | "DESC" };

export const NullableOrderPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsNullableOrderPlugin",
  version: "1.1.0",
  after: ["PgOrderAllAttributesPlugin", "ClinicOpsSortCollationPlugin", "PgAggregatesOrderByAggregatesPlugin"],
  schema: {
    hooks: {
      GraphQLEnumType_values(values, build, { scope }) {
        const { sql, dataplanPg } = build;
        const nullFlag = (queryBuilder: OrderQueryBuilder, isNull: SQL, direction: "ASC" | "DESC") =>
          queryBuilder.orderBy({ fragment: isNull, codec: dataplanPg.TYPES.boolean, nullable: false, direction });
        const byColumn = reorderAttributes(values, build, scope, (attributeName, attribute, direction, orderByColumn) => {
          if (!isNullable(attribute)) return undefined;
          return (queryBuilder) => {
            nullFlag(queryBuilder, sql`(${queryBuilder.alias as SQL}.${sql.identifier(attributeName)} is null)`, direction);
            orderByColumn(queryBuilder);
          };
        });
        if (!(scope as { isPgRowSortEnum?: boolean }).isPgRowSortEnum) return byColumn;
        return flagExpressions(byColumn, (queryBuilder, spec) => nullFlag(queryBuilder, sql`((${spec.fragment!}) is null)`, spec.direction));
      },
    },
  },
};

/** `values` whose orders by an expression not said to be non-null are first ordered by `flag`. */
function flagExpressions(values: GraphQLEnumValueConfigMap, flag: (queryBuilder: OrderQueryBuilder, spec: OrderSpec) => void): GraphQLEnumValueConfigMap {
  const flagged: GraphQLEnumValueConfigMap = {};
  for (const [name, value] of Object.entries(values)) {
    const apply = value.extensions?.grafast?.apply as OrderApply | undefined;
    if (!apply) continue;
    flagged[name] = {
      ...value,
      extensions: {
        ...value.extensions,
        grafast: {
          apply: (queryBuilder: OrderQueryBuilder) =>
            apply(
              new Proxy(queryBuilder, {
                get(target, property) {
                  if (property === "orderBy") {
                    return (spec: OrderSpec) => {
                      if (!spec.fragment || spec.nullable !== undefined) return target.orderBy(spec);
                      // said to be nullable, the value's cursor condition matches two nulls (the flag keeps it the right way round)
                      flag(target, spec);
                      target.orderBy({ ...spec, nullable: true });
                    };
                  }
                  const member = Reflect.get(target, property, target);
                  return typeof member === "function" ? member.bind(target) : member;
                },
              }),
            ),
        },
      },
    };
  }
  return { ...values, ...flagged };
}
