/** Whether `value` is a UUID in its text form (ids of rows, sessions and users), before it reaches a `::uuid` cast that would fail. */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/**
 * `value` as PostgreSQL writes a UUID (lower case, with its four hyphens), when it is one in its text
 * form or as its 32 digits alone, as the API takes ids (docs/api.md); else null.
 */
export function canonicalUuid(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const digits = isUuid(value) ? value.replaceAll("-", "") : value;
  if (!/^[0-9a-f]{32}$/i.test(digits)) return null;
  const d = digits.toLowerCase();
  return `${d.slice(0, 8)}-${d.slice(8, 12)}-${d.slice(12, 16)}-${d.slice(16, 20)}-${d.slice(20)}`;
}
