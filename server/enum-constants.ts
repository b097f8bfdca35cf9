/**
 * A value of an enum that a list compares a column with (a condition's `status: checked_in`, a
 * filter's `equalTo`, `in`, `notIn`…) is written into the statement as a constant, not sent as a
 * parameter. Under a table's row-level security PostgreSQL checks a condition it does not hold
 * leakproof after the policy's, never as an index condition, and an enum's equality (`enum_eq`) is
 * not; with the value a parameter, the API's generic plans could not prove a partial index's
 * predicate either. So the waiting room (`visits(condition: { status: checked_in })`) read every
 * visit of its clinic and kept the checked-in ones (8.7 ms for 37 of 30,052). With the value a
 * constant, `status = 'checked_in'` proves the predicate of an index of the checked-in visits
 * (`visit_waiting_room_idx`, 000425, 000431), `'in_progress'` that of the visits whose patient is in
 * the clinic now (`visit_in_the_clinic_idx`, 000428), and the values of other lists theirs (000427;
 * a payment's method, 000431). An enum has a handful of values: a statement per value is a
 * handful of plans, and a list of them (`in`, `notIn`) is written each value once, in one order
 * (`eachValueOnce`). A value is always one of the enum's (GraphQL refuses any other) and is quoted
 * by pg-sql2 (`sql.literal`, which sends a parameter for any text it would have to escape).
 *
 * A filter that leaves values of an enum out (`notEqualTo`, `notIn`, `distinctFrom`) is written as the values it keeps
 * (`status <> 'void'` as `status = any(array['draft', 'issued', 'partially_paid', 'paid'])`), the same rows, a null
 * kept by `distinctFrom` alone as before (`keptValues`). Under row-level security PostgreSQL prices `enum_ne` without
 * the column's statistics too, as 1 - 1/n of the rows for each value left out (n the values its statistics saw): none
 * at all once they saw no other value, as in a database whose invoices are all paid. A relation's filter priced at no
 * row was read whole for each row of its list: billing.md's services that no live invoice bills
 * (`invoiceLines: { none: { invoice: { status: { notEqualTo: void } } } }`) read every line of the clinic for each of
 * its services, 12.5 million rows for 5,000 services billed (1.29 s), 450 million for 30,000 (33 s). The values kept are
 * priced 1/n each (with no statistics at all, a guess of 1/200 each: performance.md), and prove the same partial
 * indexes (`invoice_one_live_per_visit`). They are the enum's values as the API read them at its start, as GraphQL's
 * enum is: a value a migration adds is kept once the API restarts, when it can be asked for too.
 */
import type { PgCodec } from "postgraphile/@dataplan/pg";
import type { GrafastInputFieldConfig } from "postgraphile/grafast";
import type { SQL } from "postgraphile/pg-sql2";
import { type Applied, conditionColumn, conditionWritten, type FilterTarget } from "./input-fields.ts";

type Build = GraphileBuild.Build;
type SqlValueWithCodec = Build["dataplanPg"]["sqlValueWithCodec"];

/** `value` of `codec` as a constant, when `codec` is an enum or a list of one; null for any other codec. */
function enumConstant(build: Build, value: unknown, codec: PgCodec): SQL | null {
  const { sql, dataplanPg: { isEnumCodec } } = build;
  if (value == null) return null;
  if (isEnumCodec(codec)) return sql`${sql.literal(String(value))}::${codec.sqlType}`;
  if (codec.arrayOfCodec && isEnumCodec(codec.arrayOfCodec) && Array.isArray(value)) {
    return sql`array[${sql.join(value.map((item) => sql.literal(String(item))), ", ")}]::${codec.sqlType}`;
  }
  return null;
}

/** The filter's operators that compare a value with a set of them. */
const SET_OPERATORS = new Set(["in", "notIn"]);

/**
 * `in` and `notIn` of an enum's values: each value once, in one order. Written as they came, a list of one value
 * repeated made a statement of as many constants (10,000 in a request's input values), a statement for each length,
 * and each API connection kept the last 100 prepared (2.6 MB of PostgreSQL's memory each, measured: 260 MB a
 * connection). A set of an enum's values holds its handful at most, and the same set is the same statement.
 */
function eachValueOnce(field: GrafastInputFieldConfig<any, any>, build: Build): GrafastInputFieldConfig<any, any> {
  const { apply } = field as Applied;
  const { getNamedType, isEnumType, isListType, getNullableType } = build.graphql;
  const listed = getNullableType(field.type);
  if (!apply || !isListType(listed) || isListType(getNullableType(listed.ofType)) || !isEnumType(getNamedType(field.type))) return field;
  const once: Applied["apply"] = (target, value, ...rest) =>
    apply(target, Array.isArray(value) && value.every((item) => typeof item === "string") ? [...new Set(value)].sort() : value, ...rest);
  return { ...field, apply: once } as typeof field;
}

/** The filter's operators that leave values out. */
const LEAVING_OUT = new Set(["notEqualTo", "notIn", "distinctFrom"]);

/**
 * `field`, an operator of `LEAVING_OUT`, comparing a column of an enum with the values it keeps: one of them (or null,
 * for `distinctFrom`). Any other column, an empty list (which `notIn` keeps a null by), or a value not of the enum is
 * left to the operator.
 */
function keptValues(field: GrafastInputFieldConfig<any, any>, build: Build, operator: string): GrafastInputFieldConfig<any, any> {
  const { apply } = field as Applied;
  const { sql, dataplanPg: { isEnumCodec } } = build;
  if (!apply) return field;
  const kept: Applied["apply"] = (target, value, ...rest) => {
    const { alias, extensions } = target as FilterTarget;
    const { attributeName, attribute } = extensions?.pgFilterAttribute ?? {};
    const leftOut: unknown[] = value == null ? [] : Array.isArray(value) ? value : [value];
    if (!attributeName || !attribute || attribute.expression || !isEnumCodec(attribute.codec) || leftOut.length === 0) return apply(target, value, ...rest);
    const values = attribute.codec.values.map((enumValue) => enumValue.value);
    if (!leftOut.every((item) => values.includes(item as string))) return apply(target, value, ...rest);
    const column = sql`${alias}.${sql.identifier(attributeName)}`;
    const oneOf = sql`${column} = any(array[${sql.join(values.filter((item) => !leftOut.includes(item)).map((item) => sql.literal(item)), ", ")}]::${attribute.codec.sqlType}[])`;
    (target as FilterTarget).where(operator === "distinctFrom" ? sql`(${column} is null or ${oneOf})` : oneOf);
  };
  return { ...field, apply: kept } as typeof field;
}

export const EnumConstantsPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsEnumConstantsPlugin",
  version: "1.0.0",
  before: ["PgConnectionArgFilterOperatorsPlugin"],
  schema: {
    hooks: {
      // the connection filter's operators take the function that writes their value from here when the schema is built
      build(partial) {
        const build = partial as Build;
        const sqlValueWithCodec: SqlValueWithCodec = build.dataplanPg.sqlValueWithCodec;
        const withEnumConstants: SqlValueWithCodec = (value, codec) => enumConstant(build, value, codec) ?? sqlValueWithCodec(value, codec);
        build.dataplanPg = { ...build.dataplanPg, sqlValueWithCodec: withEnumConstants };
        return partial;
      },
      // a condition's field compares with a parameter of its own (PgAttributesPlugin's applyAttributeCondition)
      GraphQLInputObjectType_fields_field(field, build, { scope }) {
        if (scope.isPgConnectionFilterOperator) {
          const once = SET_OPERATORS.has(scope.fieldName) ? eachValueOnce(field, build) : field;
          return LEAVING_OUT.has(scope.fieldName) ? keptValues(once, build, scope.fieldName) : once;
        }
        const column = conditionColumn(scope);
        if (!column || !build.dataplanPg.isEnumCodec(column.codec)) return field;
        return conditionWritten(field, build, column.name, (value) => enumConstant(build, value, column.codec)!);
      },
    },
  },
};
