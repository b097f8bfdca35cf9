/**
 * An amount of money found by its value (`payments(filter: { amount: { equalTo: "15000" } })`, the payment of a card
 * slip: billing.md's `thatSlip`) is read from an index of the clinic's rows of that amount. Under a table's row-level
 * security PostgreSQL checks a condition it does not hold leakproof after the policy's, never as an index condition,
 * and no comparison of a numeric is leakproof (`numeric_eq`): the amount's own index (`payment_clinic_amount_idx`)
 * served its order alone, and the slip's lookup read every payment of the clinic (19,995 for 5 among 20,000). A column
 * whose comment tags it `@keyedBy <key>` has a twin kept by PostgreSQL, the amount in thousandths as a bigint (every
 * amount has at most three decimals), whose equality is leakproof (`payment.amount_thousandths`, `app_hidden.money_thousandths`, 000451): a filter's
 * `equalTo` and a condition on the amount compare the key too, which its index reads (`payment_clinic_amount_key_idx`).
 * The amount's own comparison stays, and decides: the key only narrows what is read. A value of more than three
 * decimals has the key of its rounding, and the amount's comparison keeps no row; one beyond any amount (or NaN,
 * Infinity) has no key, and nothing is found, as before.
 */
import type { SQL } from "postgraphile/pg-sql2";
import { type Applied, conditionColumn, type FilterTarget } from "./input-fields.ts";

type Build = GraphileBuild.Build;
/** A column's tags, where `@keyedBy` names its key. */
type Keyed = { extensions?: { tags?: { keyedBy?: string } } };
/** The key column a column's `@keyedBy` names, if it does. */
const keyOf = (attribute: unknown) => (attribute as Keyed | undefined)?.extensions?.tags?.keyedBy;

/** The comparison of `target`'s key column `key` with `value`'s key, its thousandths by the key's own function (null beyond any amount). */
function keyCompared(build: Build, target: FilterTarget, key: string, value: unknown): SQL {
  const { sql, dataplanPg: { sqlValueWithCodec, TYPES } } = build;
  return sql`${target.alias}.${sql.identifier(key)} = ${sql.identifier("app_hidden", "money_thousandths")}(${sqlValueWithCodec(value, TYPES.numeric)})`;
}

/** `field`, whose value is also compared by its key where `keyFor` finds the target's column keyed. */
function alsoByKey<Field extends object>(field: Field, build: Build, keyFor: (target: FilterTarget) => string | undefined): Field {
  const apply = (field as Applied).apply!;
  const keyed: Applied["apply"] = (target, value, ...rest) => {
    const applied = apply(target, value, ...rest);
    const key = keyFor(target as FilterTarget);
    if (key && value != null) (target as FilterTarget).where(keyCompared(build, target as FilterTarget, key, value));
    return applied;
  };
  return { ...field, apply: keyed } as Field;
}

export const MoneyKeysPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsMoneyKeysPlugin",
  version: "1.0.0",
  after: ["PgConnectionArgFilterOperatorsPlugin", "PgConditionArgumentPlugin"],
  schema: {
    hooks: {
      GraphQLInputObjectType_fields_field(field, build, { scope }) {
        if (!(field as Applied).apply) return field;
        // a list's `condition` on a keyed column (`payments(condition: { amount })`)
        const conditionKey = conditionColumn(scope) && keyOf((scope as { pgAttribute?: unknown }).pgAttribute);
        if (conditionKey) return alsoByKey(field, build, () => conditionKey);
        // a filter's `equalTo`, on whichever column it filters
        if (!scope.isPgConnectionFilterOperator || scope.fieldName !== "equalTo") return field;
        return alsoByKey(field, build, (target) => keyOf(target.extensions?.pgFilterAttribute?.attribute));
      },
    },
  },
};
