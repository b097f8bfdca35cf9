/**
 * The `<COLUMN>_ASC`/`_DESC` values of a nullable column order first by whether it is null (nulls
 * last ascending, first descending, as PostgreSQL orders them anyway), then by the column as before
 * (PostGraphile's order, or sort-collation.ts's). @dataplan/pg 1.1.2 builds a page's cursor
 * condition over a nullable value the wrong way round: the page after one that ended on the last
 * value (ascending) or on a null (descending) came back empty, and the rows beyond it were never
 * reached (patients by phone, services by category). With the null flag first, two rows compared
 * on the column are both null or both not. Such an order no longer walks the column's index: the
 * lists ordered by a nullable column are small, or filtered first.
 */
import { isNullable, reorderAttributes } from "./attribute-orders.ts";

export const NullableOrderPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsNullableOrderPlugin",
  version: "1.0.0",
  after: ["PgOrderAllAttributesPlugin", "ClinicOpsSortCollationPlugin"],
  schema: {
    hooks: {
      GraphQLEnumType_values(values, build, { scope }) {
        const { sql, dataplanPg } = build;
        return reorderAttributes(values, build, scope, (attributeName, attribute, direction, orderByColumn) => {
          if (!isNullable(attribute)) return undefined;
          return (queryBuilder) => {
            const isNull = sql`(${queryBuilder.alias as ReturnType<typeof sql>}.${sql.identifier(attributeName)} is null)`;
            queryBuilder.orderBy({ fragment: isNull, codec: dataplanPg.TYPES.boolean, nullable: false, direction });
            orderByColumn(queryBuilder);
          };
        });
      },
    },
  },
};
