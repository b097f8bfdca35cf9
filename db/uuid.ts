/** Whether `value` is a UUID in its text form (ids of rows, sessions and users), before it reaches a `::uuid` cast that would fail. */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

