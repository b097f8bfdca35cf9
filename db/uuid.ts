/** Whether `value` is a UUID in its text form (ids of rows, sessions and users), before it reaches a `::uuid` cast that would fail. */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/**
 * Whether PostgreSQL refused a text as no uuid (22P02), or a NUL in it as no text (22021): an id from a client,
 * read by the database in every form the API takes (braces, capitals, hyphens after any four digits, or none).
 */
export function isMalformedUuid(error: unknown): boolean {
  return ["22P02", "22021"].includes((error as { code?: string } | null)?.code ?? "");
}

