/**
 * Dates, times and ids come in as the forms they are written in, and a
 * value of another form is INVALID_INPUT saying the form, located where the
 * query wrote it (or naming the variable).
 *
 * Dates and times are ISO 8601 text only: `2026-12-31`, and
 * `2026-12-31T09:30` with seconds, a fraction and a time zone offset if
 * given (`2026-12-31T09:30:00+03:00`, `…Z`; a space for the `T` too), or
 * a date alone for a time (its midnight). The `Date` and `Datetime` scalars
 * handed their text to PostgreSQL, which reads far more: `05/06/2027` as 6
 * May (month first, whatever the clinic's country writes), `tomorrow`,
 * `now`, `J2461400`, `infinity`. A day-first date booked a visit, dated a
 * birth or backdated a payment to another month, with no error. What
 * PostgreSQL then refuses of an ISO text (a 31 April, an hour 25) keeps its
 * own refusal (errors.ts).
 *
 * A `UUID` (every id) is 32 hexadecimal digits, hyphens optional, as
 * PostGraphile's scalar checks; its refusal, a GraphQLError, was passed on
 * by GraphQL as it was: INVALID_QUERY, naming neither the value nor where
 * it was written. That check stays PostGraphile's: its refusal is turned
 * into this one's.
 *
 * A `BigFloat` (money, prices, discounts, rates) is a decimal number written as text: `1,000`, an empty
 * field or `abc` reached PostgreSQL, whose refusal named no field, and a JSON number was taken from a
 * variable but refused when written in the query. One with an exponent beyond 999 either way, which cannot be an
 * amount, is refused saying so (its refusal names the bound; the description does not).
 *
 * A `BigInt` (an audit entry's `seq`, a distinct count compared in a `having`) is a whole number written as text, within
 * PostgreSQL's bigint: "1,204", "1.5", 2^63 or a JSON number reached PostgreSQL (or GraphQL, as a literal), whose refusal named
 * neither the field nor the form.
 *
 * The scalars' descriptions, which GraphiQL shows, say so (BigInt's, PostGraphile's, that it is answered as text).
 */
import { GraphQLError, Kind } from "postgraphile/graphql";
import { ClientFacingError } from "./errors.ts";

// any fraction of a second (a Java Instant writes 9 digits; PostgreSQL keeps 6), and an offset in one of
// ISO 8601's forms, to the second (Dar es Salaam's local mean time was +02:37:08): +03, +03:00, +0300
const OFFSET = String.raw`[zZ]|[+-]\d{2}(:\d{2}(:\d{2})?|\d{2}(\d{2})?)?`;
const TIME = String.raw`\d{2}:\d{2}(:\d{2}(\.\d+)?)?(${OFFSET})?`;

/**
 * Each scalar's form: `pattern`, where its own parsing takes any text (dates and times); the refusal; the description;
 * `bounds`, what a text of the form must also be, and its own refusal.
 */
const FORMS: Record<
  string,
  { pattern?: RegExp; refusal: string; description?: string; normalised?: (text: string) => string; bounds?: { within: (text: string) => boolean; refusal: string } }
> = {
  Date: {
    pattern: /^\d{4}-\d{2}-\d{2}$/,
    refusal: "A date is written YYYY-MM-DD, such as 2026-12-31.",
    description: "A calendar date, written YYYY-MM-DD (2026-12-31); any other text is INVALID_INPUT.",
  },
  Datetime: {
    // a date alone is its midnight (a day list's bound, 2026-12-31 for 2026-12-31T00:00)
    pattern: new RegExp(String.raw`^\d{4}-\d{2}-\d{2}([Tt ]${TIME})?$`),
    // a fraction finer than the microsecond is cut, not rounded: PostgreSQL rounded 23:59:59.999999999 (a Java
    // till's end of day) up to the next day's midnight, a payment onto the next business day, or a closed one
    normalised: (text) => text.replace(/(\.\d{6})\d+/, "$1"),
    refusal: "A date and time is written YYYY-MM-DDTHH:MM, with seconds and a time zone offset if you like, such as 2026-12-31T09:30:00+03:00.",
    description:
      "A point in time, written as ISO 8601: YYYY-MM-DDTHH:MM, with seconds, a fraction (cut to the microsecond, not rounded) and an offset if given " +
      "(2026-12-31T09:30:00.5+03:00, or Z), or a date alone for its midnight. Without an offset it is read on the clinic's clock (UTC in a session without a clinic); " +
      "any other text is INVALID_INPUT. Every time the API writes has this form and may be sent back as it is (keep the text: a " +
      "JavaScript Date keeps milliseconds only).",
  },
  // money, prices, discounts and rates: PostgreSQL's numeric read "1,000", "" or "abc" as "A value has the wrong format.",
  // naming no field; a number as JSON (5) was taken in a variable and refused as a literal
  BigFloat: {
    pattern: /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/,
    refusal: "An amount is a number written as text, with a decimal point if need be and no thousands separators, such as \"1500.50\".",
    // an exponent that makes a number no column holds and PostgreSQL's numeric cannot even read ("1e100000000",
    // "1e-100000000") was its "value overflows numeric format", with no detail: "A number is out of range.", saying
    // neither what was wrong nor what an amount may be. Within it, a number too large for its column is told that
    // column's limit (errors.ts), and one too small is 0 to the 3 decimals kept (a rate's 6).
    bounds: {
      within: (text) => !/[eE][+-]?0*[1-9]\d{3}/.test(text),
      refusal: 'An amount\'s exponent (the 2 of "1e2", which is 100) is at most 999 either way: write the amount out, such as "1500.50".',
    },
    description:
      "A decimal number written as text, with a decimal point if need be and no thousands separators (\"1500.50\"); any other text, or a number not written as text, is INVALID_INPUT.",
  },
  // a whole number (an audit entry's seq, a distinct count compared in a having): PostgreSQL's bigint read "1,204", "1.5"
  // or "abc" as "A value has the wrong format." and 2^63 as "A number is out of range.", naming neither the field nor the
  // form, and a JSON number was taken from a variable but refused as a literal in the query (INVALID_QUERY), as amounts were
  BigInt: {
    pattern: /^[+-]?\d+$/,
    refusal: 'A whole number is written as text, digits alone, such as "20".',
    bounds: {
      within: (text) => BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 63n,
      refusal: "A whole number here is from -9223372036854775808 to 9223372036854775807.",
    },
  },
  UUID: {
    refusal: "An id is a UUID: 32 hexadecimal digits, hyphens optional, such as 0f8fad5b-d9cb-469f-a165-70867728950e.",
    description: "A universally unique identifier (RFC 4122): 32 hexadecimal digits, hyphens optional; any other text is INVALID_INPUT.",
  },
};

export const ScalarFormsPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsScalarFormsPlugin",
  version: "1.0.0",
  schema: {
    hooks: {
      GraphQLScalarType(config) {
        const form = FORMS[config.name];
        const { parseValue, parseLiteral } = config;
        if (!form || !parseValue || !parseLiteral) return config;
        const refusal = () => new ClientFacingError("INVALID_INPUT", form.refusal);
        /** `text` when it has the form; else the refusal, for a number or anything else not a string too. */
        const checked = (text: unknown) => {
          if (typeof text !== "string" || (form.pattern && !form.pattern.test(text))) throw refusal();
          if (form.bounds && !form.bounds.within(text)) throw new ClientFacingError("INVALID_INPUT", form.bounds.refusal);
          return form.normalised ? form.normalised(text) : text;
        };
        /** The scalar's own parsing, its refusal (a GraphQLError) told as the form's. */
        const parsed = <T>(parse: () => T): T => {
          try {
            return parse();
          } catch (error) {
            throw error instanceof GraphQLError ? refusal() : error;
          }
        };
        return {
          ...config,
          // BigInt's own (eight bytes, answered as text) is kept: the schema's text is unchanged
          description: form.description ?? config.description,
          parseValue: (value) => parsed(() => parseValue(checked(value))),
          // written in the query: its text, or what is not text (a number), as a variable's value is
          parseLiteral: (ast, variables) => {
            const text = checked(ast.kind === Kind.STRING ? ast.value : ast);
            return parsed(() => parseLiteral(ast.kind === Kind.STRING ? { ...ast, value: text } : ast, variables));
          },
        };
      },
    },
  },
};
