/** Escaping and formatting shared by the PDF templates. */
export function escapeHtml(value: unknown): string {
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

export function money(amount: unknown, currency: string): string {
  return new Intl.NumberFormat("en", { style: "currency", currency, currencyDisplay: "code" }).format(Number(amount ?? 0));
}

export function dateTime(value: unknown, timeZone: string): string {
  if (!value) return "";
  return new Intl.DateTimeFormat("en-GB", { timeZone, dateStyle: "medium", timeStyle: "short" }).format(new Date(String(value)));
}

export function day(value: unknown): string {
  if (!value) return "";
  return new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", dateStyle: "medium" }).format(new Date(`${String(value).slice(0, 10)}T00:00:00Z`));
}
