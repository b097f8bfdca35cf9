/**
 * A column that only leads a unique key (`clinic_id`, first in every table's `(clinic_id, id)` and
 * `(clinic_id, code)`) orders as the column it is: PostGraphile (graphile-build-pg 5.1.4) takes any
 * column that leads a unique key for a unique order and then adds no key to break its ties, so a
 * cursor held the clinic alone and the page after the first came back empty (memberships by
 * CLINIC_ID_ASC, the user's clinics, stopped after three). Its `_ASC`/`_DESC` values order by the
 * column without saying the order is unique; the primary key then breaks the ties.
 */
import { reorderAttributes } from "./attribute-orders.ts";

export const UniqueOrderPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsUniqueOrderPlugin",
  version: "1.0.0",
  after: ["PgOrderAllAttributesPlugin"],
  before: ["ClinicOpsSortCollationPlugin", "ClinicOpsNullableOrderPlugin"],
  schema: {
    hooks: {
      GraphQLEnumType_values(values, build, { scope }) {
        return reorderAttributes(values, build, scope, (attributeName, _attribute, direction, _previous, table) => {
          const uniques = build.pgTableResource(table)?.uniques ?? [];
          const leadsOnly = uniques.some((u) => u.attributes[0] === attributeName) && !uniques.some((u) => u.attributes.length === 1 && u.attributes[0] === attributeName);
          return leadsOnly ? (queryBuilder) => queryBuilder.orderBy({ attribute: attributeName, direction }) : undefined;
        });
      },
    },
  },
};
