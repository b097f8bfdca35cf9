/**
 * An answer's size is bounded (MAX_ANSWER_BYTES). A query of many parts (root fields), each reading up
 * to the page size of rows with wide text (patients' notes and addresses), or many aliases of one field
 * (read once, answered as often), built its whole JSON answer in the server's memory: a few such
 * requests at once could take all of it.
 *
 * The budget is counted in characters of the answer's JSON (text with its escapes, keys and punctuation;
 * a character outside ASCII is 2 to 4 bytes once sent): counting bytes would encode every text once more,
 * where a text's length is had for nothing, and its escapes found by one scan. It is counted twice, each
 * time without serialising anything:
 * - as the query's parts are read, one after another (one-read-moment.ts): the rows read so far are
 *   counted as another part's turn comes (a query of one part counts nothing there), and once they reach
 *   the budget, that part is not read (its statement never runs);
 * - once the answer is computed, before grafserv serialises it: its parts, in order, as they are in
 *   memory (a part read once for several aliases counted as often as it is answered), each with its
 *   errors, stopping as the budget is passed. The part that passes it and every part after it are left
 *   out, null with the error in place of their own errors, so no answer is much larger than the budget.
 * A mutation's payload is read after its write is committed: a part of it left out carries
 * `saved: true` (saved-before-the-answer.ts), lest a client retry and write it twice. A subscription's
 * events are counted each on its own: an event too large is sent as the error alone.
 */
import type { ErrorBehavior, GrafastExecutionArgs, PromiseOrDirect } from "postgraphile/grafast";
import {
  getOperationAST,
  GraphQLError,
  isNonNullType,
  Kind,
  OperationTypeNode,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "postgraphile/graphql";
import { ClientFacingError } from "./errors.ts";
import { log } from "./log.ts";
import { onceSettled } from "./once-settled.ts";
import { savedBefore } from "./saved-before-the-answer.ts";

const TOO_LARGE =
  "The answer is too large: this part was not read. Ask for fewer rows or fields, or for this part in a request of its own, and page through long lists (first, after).";

/** A part not read, or left out of the answer, once the answer has reached its budget. */
export const answerTooLarge = () => new ClientFacingError("LIMIT_EXCEEDED", TOO_LARGE);

/** The characters JSON writes as escapes: quotes, backslashes and control characters, and lone surrogates. */
const ESCAPED = /["\\\u0000-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** A text that may have one: looked for first, as most texts have none (and a search for each is six times slower). */
const MAY_BE_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;
/** Those written as two characters (`\"`, `\n`); the others take six (`\u0001`). */
const SHORT_ESCAPES = new Set(['"', "\\", "\b", "\f", "\n", "\r", "\t"]);

/**
 * A text's characters in JSON, its escapes counted: left uncounted, notes of 5,000 quotes or control
 * characters (a pasted document) took two to six times what was counted, and an answer as many times its budget.
 */
function textCharacters(text: string): number {
  let count = text.length + 2;
  if (!MAY_BE_ESCAPED.test(text)) return count;
  for (const [character] of text.matchAll(ESCAPED)) count += SHORT_ESCAPES.has(character) ? 1 : 5;
  return count;
}

/**
 * The characters of `value` written as JSON, counted only until they pass `room`: a part far larger than
 * what is left is not walked to its end.
 */
export function jsonCharacters(value: unknown, room = Infinity): number {
  if (value === null || value === undefined) return 4;
  if (typeof value === "string") return textCharacters(value);
  if (typeof value !== "object") return String(value).length;
  let count = 2;
  if (Array.isArray(value)) {
    for (const item of value) {
      count += jsonCharacters(item, room - count) + 1;
      if (count > room) break;
    }
    return count;
  }
  for (const key of Object.keys(value)) {
    count += key.length + 4 + jsonCharacters((value as Record<string, unknown>)[key], room - count);
    if (count > room) break;
  }
  return count;
}

/** The field of `selectionSet` (its fragments' included) that answers `key`: its alias, else its name. */
function fieldOf(selectionSet: SelectionSetNode, key: string, document: DocumentNode): FieldNode | undefined {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if ((selection.alias ?? selection.name).value === key) return selection;
      continue;
    }
    const fragment =
      selection.kind === Kind.INLINE_FRAGMENT
        ? selection
        : document.definitions.find((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === selection.name.value);
    const field = fragment && fieldOf(fragment.selectionSet, key, document);
    if (field) return field;
  }
  return undefined;
}

/** GraphQL's own fields, which a root type's fields do not list: `__typename` (never null), `__schema`, `__type`. */
const META_FIELDS = new Map([SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef].map((field) => [field.name, field]));

/** The operation answered, as the budget needs it. */
interface Operation {
  document: DocumentNode;
  definition: OperationDefinitionNode;
  rootType: GraphQLObjectType;
  /** What an error does to the answer (the request's `onError`): null its field and up to a nullable one, null that field alone, or end the answer. */
  onError: ErrorBehavior;
}

/** The characters of a part: its key, its answer and its errors, counted only until they pass `room`. */
function partCharacters(key: string, value: unknown, errors: readonly GraphQLError[], room: number): number {
  let count = key.length + 4 + jsonCharacters(value, room);
  for (const error of errors) {
    if (count > room) break;
    count += jsonCharacters(error.toJSON(), room - count) + 1;
  }
  return count;
}

/** An answer's data kept within the budget: its errors, how many parts were left out, and the characters counted. */
interface Kept {
  data: Record<string, unknown> | null;
  errors: GraphQLError[];
  partsLeftOut: number;
  /** The whole answer's, or, once a part is left out, those up to it and of it until it passed the budget. */
  characters: number;
}

/**
 * `data`'s parts, in order, as long as they fit in `maxCharacters`, each counted with its errors (an
 * error under each row of a list takes far more than the row's `null`: left uncounted, 150 of them made an
 * answer three times its budget): the part that does not fit and every part after it left out, null with
 * LIMIT_EXCEEDED in place of their own errors (a part null already keeps its first error, why it is null:
 * a mutation that failed wrote nothing). A part the schema says is never null cannot be null alone: the
 * answer's data is null then, as GraphQL's own errors do, unless the request asked that an error null its
 * field alone (`onError: NULL`); a request asking that an error end the answer (`onError: HALT`) has data
 * null and the one error.
 */
function keptWithin(data: Record<string, unknown>, allErrors: readonly GraphQLError[], maxCharacters: number, { document, definition, rootType, onError }: Operation): Kept {
  let room = maxCharacters - 2;
  // each error with the part it is about, the first key of its path; one of no part is counted first
  const errors: GraphQLError[] = [];
  const errorsOfPart = new Map<string, GraphQLError[]>();
  for (const error of allErrors) {
    const key = error.path?.[0];
    const part = typeof key === "string" && Object.hasOwn(data, key) ? errorsOfPart.get(key) ?? errorsOfPart.set(key, []).get(key)! : undefined;
    if (part) part.push(error);
    else {
      errors.push(error);
      room -= jsonCharacters(error.toJSON(), room) + 1;
    }
  }
  const kept: Record<string, unknown> = {};
  let partsLeftOut = 0;
  let characters = 0;
  for (const [key, value] of Object.entries(data)) {
    const own = errorsOfPart.get(key) ?? [];
    if (room >= 0) {
      room -= partCharacters(key, value, own, room);
      characters = maxCharacters - room;
    }
    if (room >= 0 || value === null) {
      kept[key] = value;
      errors.push(...(room >= 0 ? own : own.slice(0, 1)));
      continue;
    }
    partsLeftOut += 1;
    const field = fieldOf(definition.selectionSet, key, document);
    const tooLarge = new GraphQLError(TOO_LARGE, { nodes: field, path: [key], extensions: { code: "LIMIT_EXCEEDED" } });
    // a mutation's write was committed before its payload was read
    errors.push(definition.operation === OperationTypeNode.MUTATION ? savedBefore(tooLarge) : tooLarge);
    if (onError === "HALT") return { data: null, errors: errors.slice(-1), partsLeftOut, characters };
    const type = field && (rootType.getFields()[field.name.value] ?? META_FIELDS.get(field.name.value))?.type;
    if (onError === "PROPAGATE" && type && isNonNullType(type)) return { data: null, errors, partsLeftOut, characters };
    kept[key] = null;
  }
  return { data: kept, errors, partsLeftOut, characters };
}

/**
 * `result` kept within `maxCharacters` (keptWithin). An answer cut, here or as its parts were read, is a
 * `warn` line for the operator: the operation's name (the client's, never its variables or data), how many
 * parts were left out and reads refused, and the characters counted.
 */
function withinBudget(result: ExecutionResult, maxCharacters: number, operation: Operation): ExecutionResult {
  const data = result.data as Record<string, unknown> | null | undefined;
  if (!data) return result;
  const { data: keptData, errors, partsLeftOut, characters } = keptWithin(data, result.errors ?? [], maxCharacters, operation);
  const readsRefused = result.errors?.filter((error) => error.message === TOO_LARGE).length ?? 0;
  if (partsLeftOut || readsRefused) {
    log("warn", "answer_too_large", { operationName: operation.definition.name?.value ?? null, operationType: operation.definition.operation, partsLeftOut, readsRefused, characters, maxAnswerBytes: maxCharacters });
  }
  return partsLeftOut || errors.length !== (result.errors?.length ?? 0) ? { ...result, data: keptData, errors } : result;
}

/** `source`'s events, each as `map` makes it; ended and thrown into as `source` (its end is not held up until its next event). */
function eachEvent<T, U>(source: AsyncGenerator<T>, map: (event: T) => U): AsyncGenerator<U> {
  const mapped = (step: IteratorResult<T>): IteratorResult<U> => (step.done ? step : { done: false, value: map(step.value) });
  return {
    next: (...args: [] | [unknown]) => source.next(...args).then(mapped),
    return: (value?: unknown) => source.return(value as T).then(mapped),
    throw: (error?: unknown) => source.throw(error).then(mapped),
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncGenerator<U>;
}

type Answer = ExecutionResult | AsyncGenerator<ExecutionResult>;

/** The answer of an operation (each event of a subscription), kept within `maxCharacters`. */
function keepWithinBudget<E extends { args: Pick<GrafastExecutionArgs, "schema" | "document" | "operationName" | "onError"> }, R>(maxCharacters: number) {
  return (next: () => R, event: E): R => {
    const { schema, document, operationName, onError = "PROPAGATE" } = event.args;
    const definition = getOperationAST(document, operationName);
    const rootType = definition && schema.getRootType(definition.operation);
    if (!definition || !rootType) return next();
    const operation: Operation = { document, definition, rootType, onError };
    const within = (answer: Answer): Answer =>
      Symbol.asyncIterator in answer
        ? // a subscription's events (the schema has no @stream or @defer: no query's answer comes in parts)
          eachEvent(answer, (result) => withinBudget(result, maxCharacters, operation))
        : withinBudget(answer, maxCharacters, operation);
    const result = next();
    return onceSettled(result as PromiseOrDirect<Answer>, within) as R;
  };
}

export const answerBudgetPlugin = (maxCharacters: number): GraphileConfig.Plugin => ({
  name: "ClinicOpsAnswerBudgetPlugin",
  version: "1.0.0",
  grafast: {
    middleware: {
      execute: keepWithinBudget(maxCharacters),
      subscribe: keepWithinBudget(maxCharacters),
    },
  },
});
