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
 */
import type { PgCodec } from "postgraphile/@dataplan/pg";
import type { GrafastInputFieldConfig } from "postgraphile/grafast";
import type { SQL } from "postgraphile/pg-sql2";
import { type Applied, conditionColumn, conditionWritten } from "./input-fields.ts";

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
        if (scope.isPgConnectionFilterOperator && SET_OPERATORS.has(scope.fieldName)) return eachValueOnce(field, build);
        const column = conditionColumn(scope);
        if (!column || !build.dataplanPg.isEnumCodec(column.codec)) return field;
        return conditionWritten(field, build, column.name, (value) => enumConstant(build, value, column.codec)!);
      },
    },
  },
};
