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
 */
import { isPromiseLike } from "postgraphile/grafast";
import type { ExecutionConfig } from "postgraphile/grafserv";
import { GraphQLError, Lexer, Source, TokenKind } from "postgraphile/graphql";

type ParseAndValidate = ExecutionConfig["parseAndValidate"];
type Parsed = ReturnType<ParseAndValidate>;

/** Valid documents kept, at most. */
const KEPT_DOCUMENTS = 500;
/** The text of the documents kept, at most (a valid document holds about 300 bytes of memory per character). */
const KEPT_CHARACTERS = 1_000_000;

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

/** The refusal of overlong queries and the keeping of valid documents, for a request limit of `maxFields` fields. */
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
    grafserv: {
      middleware: {
        setPreset(next, event) {
          const { getExecutionConfig } = event;
          event.getExecutionConfig = function (context) {
            const config = getExecutionConfig.call(this, context);
            return isPromiseLike(config) ? config.then(withReader) : withReader(config);
          };
          return next();
        },
      },
    },
  };
}
