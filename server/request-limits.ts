/**
 * Limits on what one GraphQL request may ask for: query depth, the nesting of
 * its input values (a filter of filters of …, as a literal, a variable or a
 * variable's default: PostgreSQL cannot parse the SQL of thousands of levels,
 * and GraphQL's own parsing and coercion run out of stack), the number of
 * fields it selects (aliases and fragments counted as often as they are used,
 * so neither repeats an expensive field hundreds of times nor makes this check
 * itself run long), fields whose work does not shrink with a page (a whole
 * period's dashboard, a walk of the audit chain, the time zones' list, the schema's description, counts and aggregates) a few
 * times at most, the page size of `first`/`last`, the rows its lists may answer in all (`maxRows`: each list's page
 * times the pages of the lists it is inside, summed; lists inside lists multiply their rows in one statement, and three
 * of 100 read a million rows into the server's memory before the answer's budget saw them), the fields it may answer in all
 * (10 per row of `maxRows`: each field once for every row of the lists it is inside; a subscription, read again at each
 * event, a 200th of both, its fields at least the `maxFields` a query may select), at most 10 orders in an
 * `orderBy` and 16 keys in a `groupBy`, fragments nested at most 32 deep, at most 1,000 objects and 10,000
 * values in the input values, each use counted, and 50 fields under one name and 100 fragments in a selection (LIMIT_EXCEEDED); and no negative `first`, `last` or `offset` (INVALID_INPUT: PostgreSQL would
 * refuse the LIMIT or OFFSET, an internal fault by then). Literal values are refused at validation (400, the
 * breach alone: GraphQL's own rules are not run over the document); values passed as variables are checked
 * before execution, a variable the request does not give taking the default
 * its operation declares. A connection asked for without `first` or `last` gets a
 * page of the largest size, not every row: its first page, or with only
 * `before`, the page just before that cursor; `groupedAggregates`, which
 * ignores the page, at most `maxGroups` groups (LIMIT_EXCEEDED beyond).
 */
import { ConnectionStep, constant, defaultPlanResolver, type GrafastArgumentConfig, type GrafastFieldConfig, inhibitIf, lambda, type Step } from "postgraphile/grafast";
import type { PgSelectStep } from "postgraphile/@dataplan/pg";
import {
  getNamedType,
  getNullableType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  isCompositeType,
  isInterfaceType,
  isListType,
  isIntrospectionType,
  isObjectType,
  Kind,
  OperationTypeNode,
  type ASTNode,
  type ASTVisitor,
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from "postgraphile/graphql";
import type { ExecutionConfig } from "postgraphile/grafserv";
import { ClientFacingError } from "./errors.ts";
import { holdsLoneSurrogate, NOT_WHOLE_CHARACTERS } from "./whole-characters.ts";
import { eachExecutionConfig, withQueryCode } from "./query-errors.ts";
import { SUBSCRIPTIONS_PER_PERSON } from "./websocket-limit.ts";

export interface RequestLimits {
  maxDepth: number;
  /** Levels of objects and lists in one input value. */
  maxInputDepth: number;
  maxFields: number;
  maxPageSize: number;
  /** Groups one `groupedAggregates` may answer. */
  maxGroups: number;
  /**
   * Rows one request's lists may answer in all: each list counted at its page times the pages of the lists it is
   * inside (`shapeOf`), every list of the operation that runs summed.
   */
  maxRows: number;
}

/**
 * Fields whose cost is a whole period, chain or set, not a page: each runs as
 * its own statement of up to the statement timeout, so a request repeating one
 * by aliases held a connection for that many times as long. At most `most` of
 * each group per request, counted by name wherever they appear (`query { … }`
 * nests the root).
 */
const COSTLY_FIELDS = [
  { names: ["dashboard"], most: 1, problem: "A request may ask for dashboard once: send another request for another period." },
  { names: ["verifyAuditChain"], most: 1, problem: "A request may ask for verifyAuditChain once: send another request for another clinic." },
  // PostgreSQL's whole list of time zones, read from its files at each call whatever the name (pg_timezone_names, some
  // 30 ms): 490 aliases, sent without a session, kept a core of the database busy 15 s; since 000486 only a name with a
  // digit (Etc/GMT+3, UTC+3), GMT and the posix/ and right/ copies read it, and still do
  { names: ["isValidTimezone"], most: 1, problem: "A request may ask for isValidTimezone once: send another request for another name." },
  // the whole schema's description, megabytes when aliased a hundred times in a few kilobytes of query
  { names: ["__schema"], most: 1, problem: "A request may ask for __schema once." },
  // one type's description, as tools ask for one or two: aliased a hundred times, as large
  { names: ["__type"], most: 5, problem: "A request may ask for __type 5 times." },
  {
    names: ["totalCount", "aggregates", "groupedAggregates"],
    most: 50,
    problem: "A request may ask for totalCount, aggregates and groupedAggregates 50 times in all: send the rest in another request.",
  },
];
/** Each costly field's group, by the field's name: looked up once per selected field. */
const COSTLY_GROUP = new Map(COSTLY_FIELDS.flatMap((group, index) => group.names.map((name) => [name, index] as const)));

/** Page sizes, at most `maxPageSize`. */
const PAGE_ARGUMENTS = new Set(["first", "last"]);
/** Numbers of rows, never negative. */
const ROW_COUNT_ARGUMENTS = new Set(["first", "last", "offset"]);
/**
 * Orders one list may be sorted by: a list of hundreds (a value repeated, aggregates of related rows)
 * made a statement of more columns than PostgreSQL takes, an internal fault, or of one aggregate
 * subquery per order, run for every row.
 */
const MAX_ORDERS = 10;
/**
 * Keys one `groupedAggregates` may group by: as many as the largest `groupBy` has (an invoice's and a money movement's
 * 16). Each key is answered in every group's `keys`, so a key repeated (9,900 `ROW_ID`s, a 69 kB query within the
 * input limits) made every one of up to MAX_GROUPS groups answer 9,900 keys: 2.8 s of the event loop and about 1 GB of
 * the server's memory for one request, before the answer's budget refused it.
 */
const MAX_GROUP_KEYS = 16;
/**
 * Fragments one spread or inline fragment may be inside (a spread in a fragment, spread in a fragment, …, across the fields
 * between). Grafast copies the fragments it is inside at each spread it plans, so a chain of 1,000
 * fragments spread 500 times (35 kB, every use reaching one field, within the field limit) held the event
 * loop 85 s before its answer, to anyone, `__typename` being asked without a session too. Inline fragments
 * (`... { … }`, `... on Visit { … }`) count as levels too: 3,000 of them nested (15 kB, anyone's) ran the server
 * out of stack, an internal fault, and 1,000 took 20 to 40 ms.
 */
const MAX_FRAGMENT_NESTING = 32;
/**
 * Objects in the input values of one request, each use of an argument counted (its variable's value as often
 * as the variable is used, a literal as often as its fragment is spread): a filter's terms are objects, each
 * planned into SQL on the event loop (about 20 µs each), and a 190 kB request of a 5,500-term `or` filter in a
 * variable used by 50 aliases held every clinic's requests 12 s.
 */
const MAX_INPUT_OBJECTS = 1000;
/**
 * Values in the input values of one request, the items of their lists (`in: [...]`'s ids, an `or`'s terms) and the
 * fields of their objects, counted as the objects are: a list is one parameter, but each use's values are encoded for it
 * on the event loop and read by PostgreSQL, and a member's 180 kB request of 60,000 names in a variable used by 240
 * aliases' `in` held every clinic's requests 7 to 11 s; and this count, looking at each use's values, no longer than
 * that. A list of ids a screen shows is hundreds.
 */
const MAX_INPUT_VALUES = 10_000;
/**
 * Fields a request may answer in all, per row it may answer (`maxRows`): each field counted once for every row of the
 * lists it is inside. The rows' bound counted a row as one whatever it answered, and 470 aliases of `rowId` in the inner
 * of two lists of 100 (10,100 rows, a 13 kB query within every limit) answered 4,700,000 fields: 5.9 s of the event loop
 * and 230 MB of heap, anyone's in the clinic, before the answer's budget refused it (200,000 took about 0.4 s).
 */
const FIELDS_PER_ROW = 10;

/** The objects and values counted so far in a request's input values. */
interface InputCount {
  objects: number;
  values: number;
}
const pastInputLimits = (count: InputCount) => count.objects > MAX_INPUT_OBJECTS || count.values > MAX_INPUT_VALUES;
/** The refusal of input values past MAX_INPUT_OBJECTS or MAX_INPUT_VALUES; null within them. */
function inputPastLimits(count: InputCount): GraphQLError | null {
  if (count.objects > MAX_INPUT_OBJECTS) {
    return limitExceeded(`Input values may hold at most ${MAX_INPUT_OBJECTS} objects in all (a filter's terms), counting each use of a variable and of a fragment.`);
  }
  if (count.values > MAX_INPUT_VALUES) {
    return limitExceeded(`Input values may hold at most ${MAX_INPUT_VALUES} values in all (a list's items, an object's fields), counting each use of a variable and of a fragment.`);
  }
  return null;
}

/** What one field answers, as far as its rows go (`shapeOf`). */
interface FieldShape {
  /** The type of its objects, to look up the fields inside; undefined for a scalar, a field the schema does not have, or GraphQL's description of the schema (which reads no rows). */
  type?: GraphQLCompositeType;
  /** The rows it may answer each time it is answered, a list of objects; null when it is no such list. */
  rows: number | null;
  /** The page of the lists inside it, a connection's (its `nodes` and `edges`). */
  page?: number;
}

/**
 * What `field` answers by the schema, in a selection of `parent` inside a connection of page `page` (if any), `pageOf`
 * giving the page its arguments ask for: a connection's `nodes` and `edges` may answer the connection's page of rows,
 * a list with a page of its own that page, a `groupedAggregates` its groups (`maxGroups`, whatever the page), any other
 * list of objects the largest page.
 */
function shapeOf(field: FieldNode, parent: GraphQLCompositeType | undefined, limits: RequestLimits, page: number | undefined, pageOf: (field: FieldNode) => number): FieldShape {
  const definition = parent && !isIntrospectionType(parent) && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[field.name.value] : undefined;
  if (!definition) return { rows: null };
  const named = getNamedType(definition.type);
  if (!isCompositeType(named)) return { rows: null };
  const paged = definition.args.some((argument) => PAGE_ARGUMENTS.has(argument.name));
  if (!isListType(getNullableType(definition.type))) return { type: named, rows: null, page: paged ? pageOf(field) : undefined };
  if (field.name.value === "groupedAggregates") return { type: named, rows: limits.maxGroups };
  return { type: named, rows: paged ? pageOf(field) : (page ?? limits.maxPageSize) };
}

/** Where a selection is: the type of its objects (undefined when unknown), the rows it is answered for, the page of its lists (a connection's), and its path in the answer. */
interface Place {
  type?: GraphQLCompositeType;
  rows: number;
  page?: number;
  path: readonly string[];
}

const limitExceeded = (problem: string) => new GraphQLError(problem, { extensions: { code: "LIMIT_EXCEEDED" } });
const invalidInput = (problem: string) => new GraphQLError(problem, { extensions: { code: "INVALID_INPUT" } });
const inputTooDeep = (limits: RequestLimits) => limitExceeded(`Input values may nest at most ${limits.maxInputDepth} levels deep.`);

/** Whether a literal nests objects and lists more than `max` levels deep (it looks no deeper than that). */
function literalNestsDeeper(value: ValueNode, max: number): boolean {
  const inner = value.kind === Kind.OBJECT ? value.fields.map((field) => field.value) : value.kind === Kind.LIST ? value.values : [];
  return inner.length > 0 && (max === 0 || inner.some((v) => literalNestsDeeper(v, max - 1)));
}

/** Adds the objects and values of a value (a variable's coerced value) to `count`, until it passes a limit. */
function countInValue(value: unknown, count: InputCount): void {
  if (value === null || typeof value !== "object") return;
  const values = Array.isArray(value) ? value : Object.values(value);
  if (!Array.isArray(value)) count.objects++;
  count.values += values.length;
  for (const inner of values) {
    if (pastInputLimits(count)) return;
    countInValue(inner, count);
  }
}

/** Adds the objects and values of a literal, its variables' values (when known) counted in, to `count`, until it passes a limit. */
function countInLiteral(value: ValueNode, variables: Record<string, unknown> | undefined, count: InputCount): void {
  if (value.kind === Kind.VARIABLE) {
    if (variables) countInValue(variables[value.name.value], count);
    return;
  }
  const values = value.kind === Kind.OBJECT ? value.fields.map((field) => field.value) : value.kind === Kind.LIST ? value.values : [];
  if (value.kind === Kind.OBJECT) count.objects++;
  count.values += values.length;
  for (const inner of values) {
    if (pastInputLimits(count)) return;
    countInLiteral(inner, variables, count);
  }
}

/** Whether a value as sent (JSON) nests objects and lists more than `max` levels deep (it looks no deeper than that). */
function valueNestsDeeper(value: unknown, max: number): boolean {
  if (value === null || typeof value !== "object") return false;
  const inner = Object.values(value);
  return inner.length > 0 && (max === 0 || inner.some((v) => valueNestsDeeper(v, max - 1)));
}

/** The operation a request runs, and the value each of its variables takes there. */
interface RunningOperation {
  operation: OperationDefinitionNode;
  /** As the request gives them, else as the operation's defaults (GraphQL's coerced variable values). */
  variables: Record<string, unknown>;
}

/**
 * GraphQL's refusal, in its words, of a fragment spread but not defined, spread within itself, never spread or defined
 * twice (KnownFragmentNames, NoFragmentCycles, NoUnusedFragments, UniqueFragmentNames), answered by the walk alone.
 * Fragments each spreading the next twice, the last spreading an unknown one or the first again, were walked 2^n times
 * without a field counted (20 of them held the event loop 2 s); and a walk that stopped there, leaving the document to
 * GraphQL's rules, left them the rest of it unwalked: 500 fields `a` after an unknown spread, in a fragment never used
 * or in the first of two of a name, compared two by two (70 ms), which the limit of 50 fields under one name prevents.
 */
const invalidQuery = (problem: string, nodes: ASTNode | ASTNode[]) => new GraphQLError(problem, { nodes, extensions: { code: "INVALID_QUERY" } });

/**
 * The first limit the document breaks, as the error to answer, or GraphQL's refusal of a fragment the document does not
 * define, spreads within itself, never uses or defines twice; null when within limits. Without `running`, every operation
 * and fragment of the document is checked and only literal counts are known (validation); with it, only the operation
 * that runs, its variables' values known too.
 */
function findLimitViolation(document: DocumentNode, schema: GraphQLSchema, limits: RequestLimits, running?: RunningOperation): GraphQLError | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.FRAGMENT_DEFINITION) continue;
    const name = definition.name.value;
    const first = fragments.get(name);
    if (first) return invalidQuery(`There can be only one fragment named "${name}".`, [first.name, definition.name]);
    fragments.set(name, definition);
  }
  /** The fragments the operations spread. */
  const spread = new Set<string>();
  const rowCount = (value: ValueNode): number | null => {
    if (value.kind === Kind.INT) return Number(value.value);
    if (value.kind === Kind.VARIABLE && running) {
      const v = running.variables[value.name.value];
      return typeof v === "number" ? v : null;
    }
    return null;
  };
  const listLength = (value: ValueNode): number => {
    if (value.kind === Kind.LIST) return value.values.length;
    if (value.kind === Kind.VARIABLE && running) {
      const v = running.variables[value.name.value];
      return Array.isArray(v) ? v.length : 1;
    }
    return 1;
  };
  /** The page a list's arguments ask for: `first` or `last` (the smaller of both), else the largest; one given as a variable counts as none before its value is known. */
  const pageOf = (field: FieldNode): number => {
    const sizes = (field.arguments ?? []).flatMap((argument) => {
      if (!PAGE_ARGUMENTS.has(argument.name.value)) return [];
      if (argument.value.kind === Kind.VARIABLE && !running) return [0];
      return rowCount(argument.value) ?? [];
    });
    return sizes.length > 0 ? Math.min(...sizes) : limits.maxPageSize;
  };
  let fields = 0;
  /** Rows the operation's lists may answer, so far, and the refusal of their passing `maxRows`, answered when no other limit is broken. */
  let listed = 0;
  let tooManyRows: GraphQLError | null = null;
  /** Fields the operation answers, each once for every row of the lists it is inside, so far, and the refusal of their passing FIELDS_PER_ROW × `maxRows`. */
  let answered = 0;
  let tooManyAnswered: GraphQLError | null = null;
  /**
   * The rows and fields the operation may answer: a request's, or a subscription's share of them. A subscription is
   * read again at each event of its queue, and a person's SUBSCRIPTIONS_PER_PERSON together answer each event at most
   * what one request may: 20 of them on one websocket, each within a request's bounds (10,100 rows of 18 fields), held
   * the event loop 7 s at one visit booked, and 14 of them answered UNAVAILABLE, their person's connections taken.
   */
  const budgetOf = (subscription: boolean) => {
    if (!subscription) return { maxRows: limits.maxRows, maxAnswered: FIELDS_PER_ROW * limits.maxRows, ofWhat: "A request", why: "" };
    const maxRows = Math.max(1, Math.floor(limits.maxRows / SUBSCRIPTIONS_PER_PERSON));
    return {
      maxRows,
      // at least the fields a query may select: a 200th of MAX_QUERY_ROWS under 400 is 1 row, 10 fields, and the live
      // queue's subscription as documented (11 fields of one event, no list) was refused where a request answered 3,000
      maxAnswered: Math.max(FIELDS_PER_ROW * maxRows, limits.maxFields),
      ofWhat: "A subscription",
      why: ` A subscription is read again at each event, and a person's ${SUBSCRIPTIONS_PER_PERSON} together answer at most what one request may: read more in a query when an event comes.`,
    };
  };
  let { maxRows, maxAnswered, ofWhat, why } = budgetOf(false);
  const input: InputCount = { objects: 0, values: 0 };
  const costly = COSTLY_FIELDS.map(() => 0);
  const fragmentsTooDeep = () => limitExceeded(`Fragments may nest at most ${MAX_FRAGMENT_NESTING} levels deep (a spread or an inline fragment in a fragment in a fragment …).`);
  /** The place of a fragment on `typeCondition` (none: the same type) at `at`. */
  const within = (at: Place, typeCondition: { name: { value: string } } | undefined): Place => {
    if (!typeCondition) return at;
    const type = schema.getType(typeCondition.name.value);
    return { ...at, type: type && isCompositeType(type) ? type : undefined };
  };
  /** Walks a selection `depth` fields deep at `at`, inside `nesting` fragments (spread or inline), `seen` the spread ones. */
  const visit = (selectionSet: SelectionSetNode, depth: number, seen: Set<string>, nesting: number, at: Place): GraphQLError | null => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (++fields > limits.maxFields) return limitExceeded(`Queries may select at most ${limits.maxFields} fields, counting each alias and each use of a fragment.`);
        if ((answered += at.rows) > maxAnswered && !tooManyAnswered) {
          tooManyAnswered = limitExceeded(
            `${ofWhat} may answer at most ${maxAnswered} fields in all, each counted once for every row of the lists it is inside (${[...at.path, (selection.alias ?? selection.name).value].join(".")} comes past it): ask for fewer fields of the rows of lists inside lists, or for smaller pages.${why}`,
          );
        }
        const name = selection.name.value;
        const group = COSTLY_GROUP.get(name);
        if (group !== undefined && ++costly[group] > COSTLY_FIELDS[group].most) return limitExceeded(COSTLY_FIELDS[group].problem);
        for (const argument of selection.arguments ?? []) {
          if (literalNestsDeeper(argument.value, limits.maxInputDepth)) return inputTooDeep(limits);
          countInLiteral(argument.value, running?.variables, input);
          const tooMuch = inputPastLimits(input);
          if (tooMuch) return tooMuch;
          const argumentName = argument.name.value;
          const count = ROW_COUNT_ARGUMENTS.has(argumentName) ? rowCount(argument.value) : null;
          if (count !== null && count < 0) return invalidInput(`${argumentName} must not be negative.`);
          if (count !== null && PAGE_ARGUMENTS.has(argumentName) && count > limits.maxPageSize) {
            return limitExceeded(`"${argumentName}" may not exceed ${limits.maxPageSize} (asked for ${count} on ${name}).`);
          }
          if (argumentName === "orderBy" && listLength(argument.value) > MAX_ORDERS) {
            return limitExceeded(`"orderBy" may name at most ${MAX_ORDERS} orders (${name}).`);
          }
          if (argumentName === "groupBy" && listLength(argument.value) > MAX_GROUP_KEYS) {
            return limitExceeded(`"groupBy" may name at most ${MAX_GROUP_KEYS} keys (${name}).`);
          }
        }
        if (selection.selectionSet) {
          // a type's `ofType` chain is linear and ends (a list of non-null of …): introspection nests it ten deep
          const nested = name === "ofType" ? depth : depth + 1;
          if (nested > limits.maxDepth) return limitExceeded(`Queries may nest at most ${limits.maxDepth} levels deep.`);
          const shape = shapeOf(selection, at.type, limits, at.page, pageOf);
          const rows = shape.rows === null ? at.rows : at.rows * shape.rows;
          const path = [...at.path, (selection.alias ?? selection.name).value];
          if (shape.rows !== null && (listed += rows) > maxRows && !tooManyRows) {
            tooManyRows = limitExceeded(
              `${ofWhat}'s lists may answer at most ${maxRows} rows in all, each list counted at its page (first or last, else ${limits.maxPageSize}) times those of the lists it is inside (${path.join(".")} comes past it): ask for smaller pages of the lists inside lists, or page through them.${why}`,
            );
          }
          const problem = visit(selection.selectionSet, nested, seen, nesting, { type: shape.type, rows, page: shape.page, path });
          if (problem) return problem;
        }
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (nesting >= MAX_FRAGMENT_NESTING) return fragmentsTooDeep();
        const problem = visit(selection.selectionSet, depth, seen, nesting + 1, within(at, selection.typeCondition));
        if (problem) return problem;
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment) return invalidQuery(`Unknown fragment "${name}".`, selection.name);
        if (seen.has(name)) return invalidQuery(`Cannot spread fragment "${name}" within itself.`, selection.name);
        spread.add(name);
        if (nesting >= MAX_FRAGMENT_NESTING) return fragmentsTooDeep();
        // the fragments the walk is inside, this one while it walks it
        seen.add(name);
        const problem = visit(fragment.selectionSet, depth, seen, nesting + 1, within(at, fragment.typeCondition));
        seen.delete(name);
        if (problem) return problem;
      }
    }
    return null;
  };
  const operations = running ? [running.operation] : document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  for (const operation of operations) {
    const defaults = (operation.variableDefinitions ?? []).flatMap((definition) => definition.defaultValue ?? []);
    if (defaults.some((value) => literalNestsDeeper(value, limits.maxInputDepth))) return inputTooDeep(limits);
    costly.fill(0); // only one operation of a document runs
    listed = 0;
    tooManyRows = null;
    answered = 0;
    tooManyAnswered = null;
    ({ maxRows, maxAnswered, ofWhat, why } = budgetOf(operation.operation === OperationTypeNode.SUBSCRIPTION));
    const root = { type: schema.getRootType(operation.operation) ?? undefined, rows: 1, path: [] };
    // the merged selections' width depends on no variable: validation has checked it, and every running document was validated
    const problem = visit(operation.selectionSet, 0, new Set(), 0, root) ?? (running ? null : mergedSelectionTooWide([operation.selectionSet], fragments)) ?? tooManyRows ?? tooManyAnswered;
    if (problem) return problem;
  }
  // validation: a fragment no operation spreads would be left to GraphQL's rules unwalked
  const unused = running ? undefined : [...fragments.values()].find((fragment) => !spread.has(fragment.name.value));
  return unused ? invalidQuery(`Fragment "${unused.name.value}" is never used.`, unused) : null;
}

/**
 * Fields one merged selection may answer under one name (an alias repeated, a field in several fragments): GraphQL
 * merges them, and its validation compares them two by two (their own fields too, merged in turn), so that a 6.5 kB
 * query of 500 `a: __typename`, anyone's, held the event loop about 0.3 s for each new spelling of it. A frontend's
 * fragments repeat `id` or `__typename` a few times.
 */
const MAX_FIELDS_OF_ONE_NAME = 50;

/**
 * Fragments one merged selection may spread, each counted once, those spread in the fragments it spreads counted too:
 * GraphQL's validation compares them two by two (and each with the selection's fields), so that a 24 kB query of 500
 * fragments of one field each, spread in one selection (anyone's, `__typename`), held the event loop 36 to 77 ms, and
 * two fragments spreading 240 each, 45 ms. A screen's query spreads a few dozen.
 */
const MAX_FRAGMENTS_OF_ONE_SELECTION = 100;

/**
 * The refusal of `selectionSets` (one merged selection: a field's, with those of the fields it is merged with) when
 * it answers more than MAX_FIELDS_OF_ONE_NAME fields under one name, or spreads more than
 * MAX_FRAGMENTS_OF_ONE_SELECTION fragments, at any level; null otherwise. Run once the walk of the fields has found
 * the document within the other limits (its fragments defined, none within itself, nested 32 deep at most, its fields
 * 500 at most), so that its work is bounded by theirs.
 */
function mergedSelectionTooWide(selectionSets: readonly SelectionSetNode[], fragments: ReadonlyMap<string, FragmentDefinitionNode>): GraphQLError | null {
  const byName = new Map<string, FieldNode[]>();
  const spread = new Set<string>();
  const collect = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = (selection.alias ?? selection.name).value;
        const fields = byName.get(name);
        if (fields) fields.push(selection);
        else byName.set(name, [selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      else {
        spread.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  selectionSets.forEach(collect);
  if (spread.size > MAX_FRAGMENTS_OF_ONE_SELECTION) {
    return limitExceeded(`A selection may spread at most ${MAX_FRAGMENTS_OF_ONE_SELECTION} fragments (${spread.size}, counting those its fragments spread).`);
  }
  for (const [name, fields] of byName) {
    if (fields.length > MAX_FIELDS_OF_ONE_NAME) {
      return limitExceeded(`A selection may answer at most ${MAX_FIELDS_OF_ONE_NAME} fields under one name ("${name}" is asked ${fields.length} times, counting each alias and each use of a fragment).`);
    }
    const merged = fields.flatMap((field) => (field.selectionSet ? [field.selectionSet] : []));
    const problem = merged.length > 0 ? mergedSelectionTooWide(merged, fragments) : null;
    if (problem) return problem;
  }
  return null;
}

/**
 * A document over a limit, refused by that limit alone: thrown by the limits' rule as the document is entered, before
 * GraphQL's own rules have walked it (so is a refusal of another rule of ours, `refuseDocument`), and answered by
 * `refusedAtTheFirstBreach`. Those rules ran on over documents
 * already refused, and one of them compares the fields of a selection that share a name pairwise: a 30 kB query of
 * 1,660 aliases `a` (within the token limit; anyone's, `currentUser` asked without a session too) held the event loop
 * 0.2 to 0.8 s for its refusal.
 */
class LimitBreach extends Error {
  readonly refusal: GraphQLError;
  constructor(refusal: GraphQLError) {
    super(refusal.message);
    this.refusal = refusal;
  }
}

/** Refuses the document being validated with `refusal` alone, before GraphQL's own rules walk it (a validation rule's `Document`). */
export function refuseDocument(refusal: GraphQLError): never {
  throw new LimitBreach(refusal);
}

function limitsRule(limits: RequestLimits) {
  return (context: ValidationContext): ASTVisitor => ({
    Document(node) {
      const problem = findLimitViolation(node, context.getSchema(), limits);
      if (problem) refuseDocument(problem);
    },
  });
}

/** parseAndValidate answering a limit's breach (LimitBreach) as its one error. */
const refusedAtTheFirstBreach = (config: ExecutionConfig): ExecutionConfig => ({
  ...config,
  parseAndValidate(query) {
    try {
      return config.parseAndValidate(query);
    } catch (error) {
      if (error instanceof LimitBreach) return { errors: [error.refusal] };
      throw error;
    }
  },
});

/**
 * Checks the counts given as variables, or left to their defaults, before an
 * operation runs, and answers a breach as a request error (400, like a
 * validation error), without running anything. (Throwing instead would get
 * grafserv to log the error's stack as a server fault.) The variables' values
 * are those GraphQL executes with: a variable the request leaves out takes the
 * operation's default, one given (null included) keeps its value. Values that
 * GraphQL cannot take (of the wrong type, a required one missing) are refused
 * here too, as GraphQL would, with the code INVALID_QUERY; text with a lone
 * surrogate, INVALID_INPUT.
 */
function refuseBadVariables<E extends { args: Pick<ExecutionArgs, "schema" | "document" | "operationName" | "variableValues"> }, R>(
  limits: RequestLimits,
) {
  return (next: () => R, event: E): R | { errors: GraphQLError[] } => {
    const { schema, document, operationName, variableValues } = event.args;
    const operation = getOperationAST(document, operationName);
    // no operation to run (grafast answers that), or one without variables, whose literals validation has checked
    if (!operation?.variableDefinitions?.length) return next();
    // before GraphQL coerces them: its coercion recurses as deep as a value goes
    if (Object.values(variableValues ?? {}).some((value) => valueNestsDeeper(value, limits.maxInputDepth))) return { errors: [inputTooDeep(limits)] };
    if (Object.values(variableValues ?? {}).some(holdsLoneSurrogate)) {
      return { errors: [invalidInput(NOT_WHOLE_CHARACTERS)] };
    }
    // and before GraphQL coerces them (about 3 µs a value: 60,000 names, anyone's, took 0.2 s to refuse), the values
    // of the operation's variables as sent, which coercion only adds to (a default, a value made a list), each used once at least
    const sent: InputCount = { objects: 0, values: 0 };
    for (const definition of operation.variableDefinitions) countInValue(variableValues?.[definition.variable.name.value], sent);
    const tooMuch = inputPastLimits(sent);
    if (tooMuch) return { errors: [tooMuch] };
    const values = getVariableValues(schema, operation.variableDefinitions, variableValues ?? {});
    // values that are not of their variable's type, or required ones missing: GraphQL's refusal, with its code
    if (!values.coerced) return { errors: values.errors.map(withQueryCode) };
    const problem = findLimitViolation(document, schema, limits, { operation, variables: values.coerced });
    return problem ? { errors: [problem] } : next();
  };
}

/**
 * `groupedAggregates` ignores the connection's page: grouped by a column with
 * a value per row (`ROW_ID`, `PHONE`, `CREATED_AT`), it listed every row of the
 * table in one answer. It reads at most `maxGroups` + 1 groups, and answers
 * LIMIT_EXCEEDED when there are more than `maxGroups` rather than some of them.
 * Its `groupBy` and `having` arguments apply to the grouping query itself.
 */
function atMostMaxGroups(field: GrafastFieldConfig<any>, maxGroups: number): GrafastFieldConfig<any> {
  const plan = field.plan!;
  const groupings = new WeakMap<Step, PgSelectStep>();
  const tooMany = (rows: unknown) => {
    if (Array.isArray(rows) && rows.length > maxGroups) {
      throw new ClientFacingError("LIMIT_EXCEEDED", `groupedAggregates answers at most ${maxGroups} groups: filter the list, or group by fewer or coarser keys.`);
    }
    return false;
  };
  const args = Object.fromEntries(
    Object.entries(field.args ?? {}).map(([name, arg]): [string, GrafastArgumentConfig] => {
      const applyPlan = arg.applyPlan;
      return [name, applyPlan ? { ...arg, applyPlan: ($parent: Step, $field: Step, input: any, info: any) => applyPlan($parent, groupings.get($field) ?? $field, input, info) } : arg];
    }),
  );
  return {
    ...field,
    args,
    plan(...planArgs: Parameters<typeof plan>) {
      const $grouping = plan(...planArgs) as PgSelectStep;
      $grouping.setFirst(constant(maxGroups + 1));
      const $groups = $grouping.items();
      const $checked = inhibitIf($groups, lambda($groups, tooMany));
      groupings.set($checked, $grouping);
      return $checked;
    },
  };
}

type PageArgs = readonly unknown[]; // first, last, before
/** `first` as given, or the largest page when the query gives neither `first` nor `last` nor `before`. */
const firstOrLargestPage = (maxPageSize: number) => ([first, last, before]: PageArgs): number | null =>
  (first as number | null | undefined) ?? (last == null && before == null ? maxPageSize : null);
/** `last` as given, or the largest page before the cursor when the query gives only `before`. */
const lastOrLargestPage = (maxPageSize: number) => ([first, last, before]: PageArgs): number | null =>
  (last as number | null | undefined) ?? (first == null && before != null ? maxPageSize : null);

/**
 * What a connection's page is given to: its list itself when the list pages itself (a table's or a function's rows,
 * PgSelectStep), else the connection. A page given to the connection makes it read its rows (grafast's
 * ConnectionStep.setFirst takes the list "with pagination"), whatever the query asks of it: a count alone
 * (`totalCount`, `aggregates`) read a page of rows it never answered, in the list's order.
 */
function pagedList($connection: ConnectionStep<any, any, any, any>): Pick<ConnectionStep<any, any, any, any>, "setFirst" | "setLast"> {
  const $list = $connection.getSubplan() as Step & Partial<Pick<PgSelectStep, "setFirst" | "setLast" | "paginationSupport">>;
  return $list.paginationSupport?.full && $list.setFirst && $list.setLast ? ($list as Pick<PgSelectStep, "setFirst" | "setLast">) : $connection;
}

/**
 * A connection's `pageInfo` reads its page: its cursors are those of the page's first and last rows. With its page
 * given to its list (`pagedList`), grafast's ConnectionStep reads its rows only for `nodes`, `edges`, `hasNextPage` or
 * `hasPreviousPage`; asked for `startCursor` or `endCursor` alone it answered an empty page, both cursors null (its
 * page was read all the same). So `pageInfo` takes the list with its page, as ConnectionStep.setFirst did.
 */
function pageInfoReadsThePage(field: GrafastFieldConfig<any>): GrafastFieldConfig<any> {
  const plan: NonNullable<typeof field.plan> = field.plan ?? defaultPlanResolver;
  return {
    ...field,
    plan(...planArgs: Parameters<typeof plan>) {
      const [$connection] = planArgs;
      if ($connection instanceof ConnectionStep) ($connection as unknown as { setupSubplanWithPagination(): unknown }).setupSubplanWithPagination();
      return plan(...planArgs);
    },
  };
}

export function requestLimitsPlugin(limits: RequestLimits): GraphileConfig.Plugin {
  const defaultFirst = firstOrLargestPage(limits.maxPageSize);
  const defaultLast = lastOrLargestPage(limits.maxPageSize);
  return {
    name: "ClinicOpsRequestLimitsPlugin",
    version: "1.0.0",
    after: ["PgFirstLastBeforeAfterArgsPlugin"],
    schema: {
      hooks: {
        // the field's plan below sets `first` and `last`, from the arguments or by default
        GraphQLObjectType_fields_field_args(args, _build, { scope }) {
          if (!scope.isPgFieldConnection || !args.first) return args;
          return {
            ...args,
            first: { ...args.first, applyPlan: undefined },
            ...(args.last ? { last: { ...args.last, applyPlan: undefined } } : null),
          };
        },
        GraphQLObjectType_fields_field(field, _build, { scope }) {
          const plan = field.plan;
          if (scope.isConnectionType && scope.fieldName === "groupedAggregates" && plan) return atMostMaxGroups(field, limits.maxGroups);
          if (scope.isConnectionType && scope.fieldName === "pageInfo") return pageInfoReadsThePage(field);
          if (!scope.isPgFieldConnection || !plan) return field;
          return {
            ...field,
            plan(...planArgs: Parameters<typeof plan>) {
              const [, fieldArgs, info] = planArgs;
              const $connection = plan(...planArgs) as ConnectionStep<any, any, any, any>;
              const has = (name: string) => info.field.args.some((arg) => arg.name === name);
              if (!has("first")) return $connection;
              const raw = (name: string): Step => (has(name) ? fieldArgs.getRaw(name) : constant(null));
              const $page = [raw("first"), raw("last"), raw("before")];
              const paged = pagedList($connection);
              paged.setFirst(lambda($page, defaultFirst, true));
              if (has("last")) paged.setLast(lambda($page, defaultLast, true));
              return $connection;
            },
          };
        },
      },
    },
    grafserv: {
      middleware: {
        setPreset(next, event) {
          event.validationRules.push(limitsRule(limits));
          return eachExecutionConfig(refusedAtTheFirstBreach)(next, event);
        },
      },
    },
    grafast: {
      middleware: {
        execute: refuseBadVariables(limits),
        subscribe: refuseBadVariables(limits),
      },
    },
  };
}
