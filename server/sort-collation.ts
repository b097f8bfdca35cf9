/**
 * A column's `@sortCollation` smart tag (in its comment, e.g. `@sortCollation und-x-icu`) makes the
 * `<COLUMN>_ASC`/`_DESC` values of its table's OrderBy enum sort it in that collation, where
 * PostGraphile sorts in the column's own: names are sorted as people read them (ICU's root order:
 * abbott, Ávila, de la Cruz, Zulu), while the column keeps the database's collation for everything
 * that compares or lowercases it (filters, the search, the duplicate warning). Cursors of such a list
 * compare in the same collation, and an index on the column in it (`… (clinic_id, last_name collate
 * "und-x-icu")`) serves the order. A collation of a schema is named with it (`@sortCollation
 * app_hidden.digits_as_numbers`: codes in number order, PAT-999999 before PAT-1000000).
 */
import type { PgCodecAttribute } from "postgraphile/@dataplan/pg";
import type { SQL } from "postgraphile/pg-sql2";
import { isNullable, reorderAttributes } from "./attribute-orders.ts";

/** The collation `attribute`'s `@sortCollation` names, as SQL (schema-qualified when the tag is); none without the tag. */
export function sortCollationOf(sql: GraphileBuild.Build["sql"], attributeName: string, attribute: PgCodecAttribute): SQL | undefined {
  const collation = attribute.extensions?.tags?.sortCollation;
  if (collation === undefined) return undefined;
  if (typeof collation !== "string") throw new Error(`@sortCollation of ${attributeName}: give one collation`);
  return sql.identifier(...collation.split("."));
}

export const SortCollationPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsSortCollationPlugin",
  version: "1.0.0",
  after: ["PgOrderAllAttributesPlugin"],
  schema: {
    hooks: {
      GraphQLEnumType_values(values, build, { scope }) {
        const { sql } = build;
        return reorderAttributes(values, build, scope, (attributeName, attribute, direction) => {
          const collation = sortCollationOf(sql, attributeName, attribute);
          if (collation === undefined) return undefined;
          return (queryBuilder) =>
            queryBuilder.orderBy({
              fragment: sql`${queryBuilder.alias as SQL}.${sql.identifier(attributeName)} collate ${collation}`,
              codec: attribute.codec,
              nullable: isNullable(attribute),
              direction,
            });
        });
      },
    },
  },
};
