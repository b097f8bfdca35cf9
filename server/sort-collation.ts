/**
 * A column's `@sortCollation` smart tag (in its comment, e.g. `@sortCollation und-x-icu`) makes the
 * `<COLUMN>_ASC`/`_DESC` values of its table's OrderBy enum sort it in that collation, where
 * PostGraphile sorts in the column's own: names are sorted as people read them (ICU's root order:
 * abbott, Ávila, de la Cruz, Zulu), while the column keeps the database's collation for everything
 * that compares or lowercases it (filters, the search, the duplicate warning). Cursors of such a list
 * compare in the same collation, and an index on the column in it (`… (clinic_id, last_name collate
 * "und-x-icu")`) serves the order.
 */
import type { PgCodecWithAttributes } from "postgraphile/@dataplan/pg";
import type { GraphQLEnumValueConfigMap } from "postgraphile/graphql";

const DIRECTIONS = [["asc", "ASC"], ["desc", "DESC"]] as const;

export const SortCollationPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsSortCollationPlugin",
  version: "1.0.0",
  after: ["PgOrderAllAttributesPlugin"],
  schema: {
    hooks: {
      GraphQLEnumType_values(values, build, { scope }) {
        const { isPgRowSortEnum, pgCodec: codec } = scope;
        if (!isPgRowSortEnum || !codec?.attributes) return values;
        const pgCodec = codec as PgCodecWithAttributes;
        const { inflection, sql } = build;
        const collated: GraphQLEnumValueConfigMap = {};
        for (const [attributeName, attribute] of Object.entries(pgCodec.attributes)) {
          const collation = attribute.extensions?.tags?.sortCollation;
          if (collation === undefined) continue;
          if (typeof collation !== "string") throw new Error(`@sortCollation of ${pgCodec.name}.${attributeName}: give one collation`);
          for (const [variant, direction] of DIRECTIONS) {
            const name = inflection.orderByAttributeEnum({ codec: pgCodec, attributeName, variant });
            if (!values[name]) continue; // not orderable (its behavior)
            collated[name] = {
              ...values[name],
              extensions: {
                ...values[name].extensions,
                grafast: {
                  apply(queryBuilder: { alias: ReturnType<typeof sql>; orderBy(spec: object): void }) {
                    queryBuilder.orderBy({
                      fragment: sql`${queryBuilder.alias}.${sql.identifier(attributeName)} collate ${sql.identifier(collation)}`,
                      codec: attribute.codec,
                      direction,
                    });
                  },
                },
              },
            };
          }
        }
        return { ...values, ...collated };
      },
    },
  },
};
