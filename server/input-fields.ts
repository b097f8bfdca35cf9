/**
 * What our plugins change of a list's input fields: a filter's operators and a condition's fields apply their value
 * to the list's conditions at plan time (`apply`). A condition's field compares its column with its value
 * (PgAttributesPlugin's applyAttributeCondition); `conditionWritten` makes it compare with the value written otherwise
 * (an enum's value as a constant: enum-constants.ts; a domain over text's value as text: domains-as-text.ts).
 */
import type { PgCodec, PgCodecAttribute } from "postgraphile/@dataplan/pg";
import type { GrafastInputFieldConfig } from "postgraphile/grafast";
import type { SQL } from "postgraphile/pg-sql2";

type Build = GraphileBuild.Build;
/** An input field's plan-time configuration: the filter's operators and the condition's fields apply their value. */
export type Applied = { apply?: (target: unknown, value: unknown, ...rest: unknown[]) => unknown };
/** Where a filter's operator adds its condition, and what it reads of the column it filters (the connection filter's `pgFilterAttribute`). */
export type FilterTarget = {
  alias: SQL;
  where(fragment: SQL): void;
  extensions?: { pgFilterAttribute?: { attributeName?: string; codec?: PgCodec; attribute?: PgCodecAttribute } };
};
/** A condition's field at plan time: it adds its value's condition to the list's. */
type ConditionApply = (condition: { where(spec: { type: "attribute"; attribute: string; callback: (expression: SQL) => SQL }): void }, value: unknown) => void;
/** What a field's scope says of the column a condition's field compares. */
type ConditionScope = { isPgConnectionConditionInputField?: boolean; pgCodec?: PgCodec; pgAttribute?: { codec: PgCodec; via?: string } };

/** The column of the list's own table a condition's field compares, or undefined for any other field. */
export function conditionColumn(scope: unknown): { name: string; codec: PgCodec } | undefined {
  const { isPgConnectionConditionInputField, pgCodec, pgAttribute } = scope as ConditionScope;
  if (!isPgConnectionConditionInputField || !pgCodec?.attributes || !pgAttribute || pgAttribute.via) return undefined;
  const name = Object.keys(pgCodec.attributes).find((key) => pgCodec.attributes![key] === pgAttribute);
  return name === undefined ? undefined : { name, codec: pgAttribute.codec };
}

/** `field`, a condition's field of `column`, comparing the column with its value as `written` writes it (null: `is null`). */
export function conditionWritten(field: GrafastInputFieldConfig<any, any>, build: Build, column: string, written: (value: unknown) => SQL): GrafastInputFieldConfig<any, any> {
  const { sql } = build;
  const apply: ConditionApply = (condition, value) =>
    condition.where({
      type: "attribute",
      attribute: column,
      callback: (expression) => (value === null ? sql`${expression} is null` : sql`${expression} = ${written(value)}`),
    });
  return { ...field, apply } as typeof field;
}
