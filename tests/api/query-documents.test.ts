/**
 * The documents grafserv parses and validates, read through server/query-documents.ts: valid ones
 * kept for reuse (most recently used, within a count and a size), refusals never (grafserv's own
 * cache kept each refused document whole, and a client sending large ones took the server's heap).
 * Its refusal of overlong queries over HTTP: tests/api/graphql.test.ts. And the plans Grafast keeps.
 */
import type { ExecutionConfig } from "postgraphile/grafserv";
import { grafserv } from "postgraphile/grafserv/node";
import { GraphQLError, parse } from "postgraphile/graphql";
import { readOnce } from "../../server/query-documents.ts";
import { testConfig } from "../support/database.ts";
import { readApiSchema, withApiInstance } from "../support/schemas.ts";

type ParseAndValidate = ExecutionConfig["parseAndValidate"];

/** A reader over a parser that counts the queries it is asked to read; a query not starting with `{` is invalid. */
function countingReader() {
  const read: string[] = [];
  const parseAndValidate = ((query: string) => {
    read.push(query);
    return query.startsWith("{") ? { document: parse(query) } : { errors: [new GraphQLError("Not valid.")] };
  }) as ParseAndValidate;
  return { read, reader: readOnce(parseAndValidate, 10_000) };
}

test("a valid document is read once and kept; a refused one is read again each time, never kept", () => {
  const { read, reader } = countingReader();
  const first = reader("{ currentUser { fullName } }");
  expect(reader("{ currentUser { fullName } }")).toBe(first); // the same document: Grafast's plan for it is reused too
  reader("query { nope");
  reader("query { nope");
  expect(read).toEqual(["{ currentUser { fullName } }", "query { nope", "query { nope"]);
});

test("the 500 documents used most recently are kept, within a million characters of text", () => {
  const { read, reader } = countingReader();
  const query = (i: number) => `{ a${i}: currentUser { fullName } }`;
  for (let i = 0; i < 501; i++) reader(query(i));
  reader(query(1)); // used again: kept, and now the most recent
  reader(query(0)); // the oldest when the 501st came: let go, read again
  reader(query(1)); // and it lets go of the oldest then, query(2), not query(1), used since
  expect(read.filter((q) => q === query(0) || q === query(1))).toEqual([query(0), query(1), query(0)]);
  // a document of 600,000 characters and another let the oldest go to stay within a million
  const { read: readLarge, reader: large } = countingReader();
  const big = (name: string) => `{ ${name}: currentUser { fullName ${" ".repeat(600_000)}} }`;
  large(big("first"));
  large(big("second"));
  large(big("first"));
  large(big("second"));
  // and what they let go is given back: a small document is kept after them
  large("{ small: currentUser { fullName } }");
  large("{ small: currentUser { fullName } }");
  expect(readLarge.map((q) => q.slice(0, 8))).toEqual(["{ first:", "{ second", "{ first:", "{ second", "{ small:"]);
});

test("a query of more tokens than allowed is refused unread; a long one within the limit is read", () => {
  const { read, reader } = countingReader();
  const refused = reader(`{ ${"a ".repeat(9_999)}}`); // 10,001 tokens with its braces: one past the limit
  expect(refused).toEqual({ errors: [expect.objectContaining({ message: expect.stringMatching(/^This query is too long: a request may have at most 10,000 tokens/) })] });
  expect(read).toEqual([]);
  reader(`{ ${"a ".repeat(9_998)}}`); // 10,000 tokens with its braces
  expect(read).toHaveLength(1);
  // a long query the lexer cannot read (a string never closed) is the parser's to refuse, with its place: not "too long"
  reader(`query { a(b: "${"x".repeat(10_001)}) }`);
  expect(read).toHaveLength(2);
});

// 500 operations and 50 plans of each by default, each plan as large as its query: unique queries of 160 lists, each
// within every limit, took the server past its heap in 8 minutes
test("Grafast keeps the plans of 100 operations, 3 of each", async () => {
  const kept = await readApiSchema(testConfig, (schema) => schema.extensions.grafast);
  expect(kept).toMatchObject({ operationsCacheMaxLength: 100, operationOperationPlansCacheMaxLength: 3 });
});

// grafserv hands each request an execution config of its own (the error codes' wrapper makes one per request): the
// documents kept are the schema's, not a request's, or every request parsed and validated its query again
test("a query sent again in another request is read from the documents kept", async () => {
  const document = await withApiInstance(testConfig, async (pgl) => {
    const serv = pgl.createServ(grafserv); // released with its instance
    await serv.ready();
    const read = async (query: string) => (await serv.getExecutionConfig({})).parseAndValidate(query).document;
    const first = await read("{ currentUser { fullName } }");
    await read("{ currentClinic { name } }"); // grafserv's own parser keeps the last query it read
    return { first, again: await read("{ currentUser { fullName } }") };
  });
  expect(document.first).toBeDefined();
  expect(document.again === document.first).toBe(true); // the same object: Grafast's plan for it is reused too
});
