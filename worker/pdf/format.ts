/** Escaping and formatting shared by the PDF templates. */
function escapeHtml(value: unknown): string {
  return String(value ?? "")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** Tagged template that escapes every interpolated value unless it is `raw(...)`. */
export interface Raw {
  readonly raw: string;
}
export const raw = (html: string): Raw => ({ raw: html });
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0];
  values.forEach((value, i) => {
    const piece = Array.isArray(value)
      ? value.map((v) => (typeof v === "object" && v && "raw" in v ? (v as Raw).raw : escapeHtml(v))).join("")
      : typeof value === "object" && value && "raw" in value
        ? (value as Raw).raw
        : escapeHtml(value);
    out += piece + strings[i + 1];
  });
  return raw(out);
}

/**
 * How a clinic writes amounts and dates: the amounts' currency and the decimals the database keeps it in
 * (`currency_decimals`; Intl's own are not always those: none for PKR or IQD) and the clinic's locale (BCP 47).
 */
export interface ClinicFormat {
  currency: string;
  decimals: number;
  locale: string;
}

/**
 * An amount as the decimal text PostgreSQL wrote (a JSON number of the document is read as its text,
 * pdf-export.ts), which Intl formats exactly: through a JavaScript number, 9999999999999.999 printed
 * …999.998 (digits past 2^53 are lost).
 */
const decimalText = (value: unknown) => String(value ?? 0) as Intl.StringNumericLiteral;

/** An amount (numeric(16,3), or a day's sum of numeric(20,3) since 000367), in thousandths, exactly. */
function thousandths(value: unknown): bigint {
  const [whole, fraction = ""] = decimalText(value).split(".");
  return BigInt(whole) * 1000n + (whole.startsWith("-") ? -1n : 1n) * BigInt(fraction.padEnd(3, "0").slice(0, 3));
}

/** Thousandths as decimal text ("-1000.500"). */
function amountText(value: bigint): string {
  const size = value < 0n ? -value : value;
  return `${value < 0n ? "-" : ""}${size / 1000n}.${String(size % 1000n).padStart(3, "0")}`;
}

/** `a − b` of two amounts, exactly, as decimal text. */
export const difference = (a: unknown, b: unknown): string => amountText(thousandths(a) - thousandths(b));

/** The sum of amounts, exactly, as decimal text. */
export const sum = (values: unknown[]): string => amountText(values.reduce<bigint>((total, value) => total + thousandths(value), 0n));

const DIGITS = new Set<string>(["minusSign", "plusSign", "integer", "group", "decimal", "fraction"]);

/** A figure's currency code (or sign) kept on one line; the space beside it, a place to break. */
function affix(parts: Intl.NumberFormatPart[]): string {
  const text = parts.map((part) => (part.type === "literal" && /^\s+$/u.test(part.value) ? " " : part.value)).join("");
  const [, before, word, after] = /^(\s*)(.*?)(\s*)$/su.exec(text)!;
  return word ? `${before}<span class="nowrap">${escapeHtml(word)}</span>${after}` : text;
}

/**
 * The longest figure an invoice line's columns print whole on one line ("TZS 9,999,999.99", "-9.999.999,99 TZS"): seven
 * such columns fit the page (Chromium shrinks a page a little too wide to fit, no more than a third).
 */
const WHOLE_FIGURE = 16;

/**
 * A figure (the parts Intl formatted) that wraps rather than spills out of a narrow column (an invoice line's seven),
 * when it is longer than `WHOLE_FIGURE`: its currency code goes on a line of its own first, then its digits break,
 * only after a group separator ("10,000,000,⏎000,000.00"; class `digits`, an inline block, moves on whole before it
 * breaks). A 13-digit amount in every column of a line could not break: the table grew past the page's edge and
 * its last column was cut off. A shorter figure stays whole, code and digits on one line, as it fits.
 */
function wrappingFigure(parts: Intl.NumberFormatPart[]): Raw {
  const whole = parts.map((part) => part.value).join("");
  if (whole.length <= WHOLE_FIGURE) return raw(escapeHtml(whole));
  const integer = parts.findIndex((part) => part.type === "integer");
  let start = integer;
  while (start > 0 && DIGITS.has(parts[start - 1].type)) start -= 1;
  let end = integer;
  while (end + 1 < parts.length && DIGITS.has(parts[end + 1].type)) end += 1;
  const digits = parts.slice(start, end + 1).map((part) => escapeHtml(part.value) + (part.type === "group" ? "<wbr>" : "")).join("");
  return raw(`${affix(parts.slice(0, start))}<span class="digits">${digits}</span>${affix(parts.slice(end + 1))}`);
}

export function formatter({ currency, decimals, locale }: ClinicFormat) {
  // an amount in the currency's decimals, or as finely as it is kept when it is finer, as the API and the refusals
  // (money_text) give it: a unit price (3,333.333, a third of 10,000), or an amount of a line from before 000022 (72.50
  // yen of tax), so that a line and the totals add up (two lines' 72.50 printed JPY 73 each, beside a tax of JPY 145)
  const amount = new Intl.NumberFormat(locale, { style: "currency", currency, currencyDisplay: "code", minimumFractionDigits: decimals, maximumFractionDigits: Math.max(3, decimals) });
  const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 4 });
  const count = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
  // a moment is printed at the wall-clock time PostgreSQL gave it in the clinic's zone (pdf-export.ts): Intl's
  // own zone data (Node's) is not PostgreSQL's, and the two put a Vancouver payment an hour apart in December
  const moment = new Intl.DateTimeFormat(locale, { timeZone: "UTC", dateStyle: "medium", timeStyle: "short" });
  const date = new Intl.DateTimeFormat(locale, { timeZone: "UTC", dateStyle: "medium" });
  return {
    money: (value: unknown) => amount.format(decimalText(value)),
    /**
     * A quantity or a count (new patients, visits) as the locale writes numbers (1,5 and 1.234 in German, 12,34,567 in
     * India), to the thousandth the database keeps: a count printed "1234" beside amounts written "1.234,00".
     */
    number: (value: unknown) => count.format(decimalText(value)),
    /** An invoice line's amounts, as figures that wrap in their narrow columns (`wrappingFigure`; a quantity, at most 100,000, is short). */
    wrappingMoney: (value: unknown) => wrappingFigure(amount.formatToParts(decimalText(value))),
    /** A tax rate, a fraction, as a percentage: 0.08875 is 8.875%. */
    rate: (value: unknown) => percent.format(Number(value ?? 0)),
    /** A moment as the document wrote it, "2026-12-02T08:27:40.123-08:00": its wall-clock time, whatever its offset. */
    dateTime: (value: unknown) => (value ? moment.format(new Date(`${String(value).slice(0, 19)}Z`)) : ""),
    /** A calendar date ("2026-11-24"), printed as such whatever the time zone. */
    day: (value: unknown) => (value ? date.format(new Date(`${String(value).slice(0, 10)}T00:00:00Z`)) : ""),
  };
}
