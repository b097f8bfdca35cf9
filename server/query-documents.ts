/**
 * The documents of GraphQL requests, read before grafserv parses them, and kept once valid.
 *
 * A query longer than `maxTokens` tokens (20 per field a request may select, MAX_QUERY_FIELDS) is
 * refused, LIMIT_EXCEEDED, before it is parsed: the field limit is a validation rule, which ran
 * with every other rule over a whole document first, so a 198 kB document of 9,000 fields held the
 * event loop for a second (every clinic's requests waited) before it was refused. Its tokens are
 * counted only when it has more characters than that (each token is one at least), and only up to
 * the limit.
 *
 * Valid documents are kept for reuse, the most recently used 500, or fewer when they come to more
 * than KEPT_CHARACTERS of text together; grafserv's own cache (off) kept refusals too, each holding
 * its whole document: about 75 large refused documents, sent by a client without a session in two
 * minutes, took the server past its heap, and it died.
 *
 * Grafast keeps the plans of the operations it ran, by operation, each as large as its query (13 to 16
 * MB for one of 160 lists of the 500 fields allowed): 500 operations, and 50 plans of each for the
 * variables they were planned for, by default. Unique large queries, each within every limit, sent one
 * after another by one member took the server past its heap in 8 minutes. It keeps the last
 * PLANNED_OPERATIONS operations and PLANS_PER_OPERATION plans of each (a frontend's queries are a few
 * dozen, each planned once or a few times); a query no longer kept is planned again.
 */
import type { ExecutionConfig } from "postgraphile/grafserv";
import { GraphQLError, Lexer, Source, TokenKind } from "postgraphile/graphql";
import { eachExecutionConfig } from "./query-errors.ts";

type ParseAndValidate = ExecutionConfig["parseAndValidate"];
type Parsed = ReturnType<ParseAndValidate>;

/** Valid documents kept, at most. */
const KEPT_DOCUMENTS = 500;
/** The text of the documents kept, at most (a valid document holds about 300 bytes of memory per character). */
const KEPT_CHARACTERS = 1_000_000;

/** Operations whose plans Grafast keeps, at most (its default is 500). */
const PLANNED_OPERATIONS = 100;
/** Plans of one operation Grafast keeps (one per kind of variables that plans it otherwise), at most (its default is 50). */
const PLANS_PER_OPERATION = 3;

/** Whether `query` has more than `maxTokens` tokens, read no further than that. */
function hasMoreTokensThan(query: string, maxTokens: number): boolean {
  if (query.length <= maxTokens) return false;
  const lexer = new Lexer(new Source(query));
  try {
    for (let read = 0; read <= maxTokens; read++) if (lexer.advance().kind === TokenKind.EOF) return false;
  } catch {
    return false; // a syntax error, which the parser tells with its place
  }
  return true;
}

/** parseAndValidate of one schema, refusing overlong queries first and keeping valid documents. */
export function readOnce(parseAndValidate: ParseAndValidate, maxTokens: number): ParseAndValidate {
  const kept = new Map<string, Parsed>();
  let keptCharacters = 0;
  const tooLong = new GraphQLError(`This query is too long: a request may have at most ${maxTokens.toLocaleString("en")} tokens (names, values and punctuation).`, {
    extensions: { code: "LIMIT_EXCEEDED" },
  });
  return (query) => {
    const known = kept.get(query);
    if (known) {
      kept.delete(query); // the most recently used last: the first is the one to let go
      kept.set(query, known);
      return known;
    }
    if (hasMoreTokensThan(query, maxTokens)) return { errors: [tooLong] };
    const parsed = parseAndValidate(query);
    if (parsed.errors || query.length > KEPT_CHARACTERS) return parsed;
    kept.set(query, parsed);
    keptCharacters += query.length;
    for (const [oldest] of kept) {
      if (kept.size <= KEPT_DOCUMENTS && keptCharacters <= KEPT_CHARACTERS) break;
      kept.delete(oldest);
      keptCharacters -= oldest.length;
    }
    return parsed;
  };
}

/** The refusal of overlong queries, the keeping of valid documents and the bound on Grafast's plans, for a request limit of `maxFields` fields. */
export function queryDocumentsPlugin(maxFields: number): GraphileConfig.Plugin {
  const maxTokens = 20 * maxFields;
  // grafserv's parseAndValidate of one schema, read through readOnce (a new schema, in development, has its own)
  const readers = new WeakMap<ParseAndValidate, ParseAndValidate>();
  const withReader = (config: ExecutionConfig): ExecutionConfig => {
    let reader = readers.get(config.parseAndValidate);
    if (!reader) readers.set(config.parseAndValidate, (reader = readOnce(config.parseAndValidate, maxTokens)));
    return { ...config, parseAndValidate: reader };
  };
  return {
    name: "ClinicOpsQueryDocumentsPlugin",
    version: "1.0.0",
    // its reader wraps grafserv's own parseAndValidate, one function per schema (the codes' wrapper makes one per request)
    before: ["ClinicOpsQueryErrorCodesPlugin"],
    schema: {
      hooks: {
        GraphQLSchema(config) {
          const grafast = { ...config.extensions?.grafast, operationsCacheMaxLength: PLANNED_OPERATIONS, operationOperationPlansCacheMaxLength: PLANS_PER_OPERATION };
          return { ...config, extensions: { ...config.extensions, grafast } };
        },
      },
    },
    grafserv: {
      middleware: {
        setPreset: eachExecutionConfig(withReader),
      },
    },
  };
}
