/**
 * A `groupedAggregates` answers its groups in the order of their keys, the first key first: visits per day day after
 * day, per status in the lifecycle's order (an enum's own). @graphile/pg-aggregates 0.2 writes no `order by` in the
 * grouping's statement (and its query builder drops one given as the groups are applied), so the groups came in
 * whatever order PostgreSQL's hashing left them: a clinic's 300 days of visits came 11 May, 5 July, … Here the
 * grouping is ordered by the expressions it groups by, written from the `groupBy` given (each key's own `apply`,
 * asked for its expression), as a part of the statement known at each request. A key of a column with a
 * `@sortCollation` (server/sort-collation.ts) is ordered in that collation, as its list's `_ASC` sorts it: in the
 * database's (C.UTF-8, byte order) patients per last name came Bravo, Zulu, abbott, de la Cruz, Ávila.
 */
import type { PgCodecWithAttributes, PgResource, PgSelectStep } from "postgraphile/@dataplan/pg";
import { lambda } from "postgraphile/grafast";
import type { GraphQLEnumType } from "postgraphile/graphql";
import type { SQL } from "postgraphile/pg-sql2";
import { sortCollationOf } from "./sort-collation.ts";

/** A `groupBy` key's `apply`: it groups the query builder it is given by its expression. */
type GroupApply = (queryBuilder: { alias: SQL; groupBy(spec: { fragment: SQL }): void }) => void;

export const GroupsInKeyOrderPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsGroupsInKeyOrderPlugin",
  version: "1.0.0",
  schema: {
    hooks: {
      GraphQLObjectType_fields_field: {
        // before the limit on the groups (request-limits.ts), which wraps the grouping's plan in a check of its own; the
        // hook alone, so that the plugins' order (their middleware's: who is refused first) stays as it was
        before: ["ClinicOpsRequestLimitsPlugin"],
        callback(field, build, { scope }) {
          const plan = field.plan;
          const groupBy = field.args?.groupBy;
          if (!scope.isConnectionType || scope.fieldName !== "groupedAggregates" || !plan || !groupBy) return field;
          const { sql, inflection, graphql: { getNamedType }, dataplanPg: { TYPES } } = build;
          const keys = getNamedType(groupBy.type) as GraphQLEnumType;
          const applyOf = new Map(keys.getValues().map((key) => [key.value, key.extensions?.grafast?.apply as GroupApply | undefined]));
          // the keys of the columns a list sorts in a collation of their own (their @sortCollation), by the key's name
          const codec = scope.pgCodec as PgCodecWithAttributes | undefined;
          const collationOfName = new Map<string, SQL>();
          for (const [attributeName, attribute] of Object.entries(codec?.attributes ?? {})) {
            const collation = sortCollationOf(sql, attributeName, attribute);
            if (collation === undefined) continue;
            collationOfName.set(inflection.aggregateGroupByAttributeEnum({ resource: { codec } as PgResource, attributeName }), collation);
          }
          const collationOf = new Map(keys.getValues().map((key) => [key.value, collationOfName.get(key.name)]));
          return {
            ...field,
            plan(...planArgs: Parameters<typeof plan>) {
              const $grouping = plan(...planArgs) as PgSelectStep;
              const [, fieldArgs] = planArgs;
              const alias = $grouping.alias as SQL;
              /** The expressions `given` groups by, in its order ("null::int" for none, which orders nothing). */
              const grouped = (given: unknown): SQL => {
                const fragments: SQL[] = [];
                for (const key of Array.isArray(given) ? given : [given]) {
                  const collation = collationOf.get(key);
                  const groupBy = (spec: { fragment: SQL }) => void fragments.push(collation ? sql`${spec.fragment} collate ${collation}` : spec.fragment);
                  applyOf.get(key)?.({ alias, groupBy });
                }
                return fragments.length > 0 ? sql.join(fragments, ", ") : sql`null::int`;
              };
              const $order = lambda(fieldArgs.getRaw("groupBy"), grouped, true);
              $grouping.orderBy({ fragment: $grouping.deferredSQL($order), codec: TYPES.text, direction: "ASC" });
              return $grouping;
            },
          };
        },
      },
    },
  },
};
