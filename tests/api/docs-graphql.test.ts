/**
 * The README and the docs show GraphQL operations in ```graphql blocks, which no test sent or checked: a field or
 * argument renamed in the API left them asking for what is no longer there (clinic-domain.md's duplicate check used four
 * variables it never declared, and was refused as written). Each is validated against schema.graphql, the API's schema
 * (schema-files.test.ts keeps them equal), and each query that needs no value of the reader's is sent to the API as a
 * clinic's owner, which must answer it without an error (its variables null).
 *
 * What a block is: whole operations, one or several, with the fragments they spread, each operation declaring the
 * variables it uses. Its operations are sent one at a time, so several anonymous ones in a block are not the error
 * GraphQL makes of them in one document; a selection alone, or arguments cut from their field, are no block: show
 * them in prose (`updateVisit(input: { clinicId, rowId, patch: { doctorId } })`). A value left to the reader is "…":
 * a query with one, or with a variable it requires, is validated only, and so are mutations and subscriptions.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  buildSchema,
  Kind,
  LoneAnonymousOperationRule,
  parse,
  print,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLError,
  type OperationDefinitionNode,
} from "graphql";
import { projectPath } from "../../db/paths.ts";
import { closeRootPool } from "../support/database.ts";
import { docPages } from "../support/doc-pages.ts";
import { clearOfMidnight, createClinic, createUser, randomPhone } from "../support/fixtures.ts";
import { GRAPHQL_SCHEMA_FILE } from "../support/schemas.ts";
import { loggedIn, startApi } from "../support/api.ts";
import { temporaryFolders } from "../support/temp-folders.ts";
import { until } from "../support/until.ts";
import { runDueJobs, takeWorkerTurn, WORKER_TURN_WAIT_MS } from "../support/worker.ts";

const temporaryFolder = temporaryFolders();
afterAll(() => closeRootPool());

interface Block {
  /** `docs/billing.md:430`: the page and the line of its opening fence. */
  where: string;
  page: string;
  /** The line of the page before the block's first. */
  fence: number;
  text: string;
}

/** Every ```graphql block of the pages, its lines without the fence's indent (a block in a list item is indented). */
const blocks: Block[] = docPages.flatMap((path) => {
  const page = relative(projectPath(), path);
  const lines = readFileSync(path, "utf8").split("\n");
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const [, indent] = /^( *)```graphql\s*$/.exec(lines[i]) ?? [];
    if (indent === undefined) continue;
    const start = i;
    while (++i < lines.length && !/^ *```\s*$/.test(lines[i]));
    found.push({ where: `${page}:${start + 1}`, page, fence: start + 1, text: lines.slice(start + 1, i).map((line) => line.slice(indent.length)).join("\n") });
  }
  return found;
});

/** A line of the block as the page's: `docs/api.md:97`. */
const lineOf = (block: Block, line: number) => `${block.page}:${block.fence + line}`;
const said = (block: Block, error: GraphQLError) => `${error.locations?.length ? lineOf(block, error.locations[0].line) : block.where}: ${error.message}`;

const operationsOf = (document: DocumentNode) =>
  document.definitions.filter((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);

const schema = buildSchema(readFileSync(GRAPHQL_SCHEMA_FILE, "utf8"));
const rules = specifiedRules.filter((rule) => rule !== LoneAnonymousOperationRule);
/** A block's document, and what is wrong with it (its syntax, or what the schema refuses), each naming its line of the page. */
function checked(block: Block): { document: DocumentNode; refused: string[] } {
  let document: DocumentNode;
  try {
    document = parse(block.text);
  } catch (error) {
    return { document: { kind: Kind.DOCUMENT, definitions: [] }, refused: [said(block, error as GraphQLError)] };
  }
  if (!operationsOf(document).length) return { document, refused: [`${block.where}: no operation`] };
  return { document, refused: validate(schema, document, rules).map((error) => said(block, error)) };
}

test("the docs show GraphQL in blocks", () => {
  // a change of the fence's language (```gql) would leave this file checking nothing
  expect(blocks.length).toBeGreaterThanOrEqual(12);
});

test("every GraphQL block of the README and the docs is whole operations the API's schema validates", () => {
  expect(blocks.flatMap((block) => checked(block).refused)).toEqual([]);
});

test("every query of the docs that needs no value of the reader's is answered without an error", async () => {
  const api = await startApi();
  try {
    const clinic = await createClinic();
    const owner = await loggedIn(api, clinic.members.owner);
    const errors: string[] = [];
    let sent = 0;
    for (const block of blocks) {
      const { document, refused } = checked(block);
      if (refused.length) continue; // the test above names it
      const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
      for (const operation of operationsOf(document)) {
        const query = print({ kind: Kind.DOCUMENT, definitions: [operation, ...fragments] });
        const required = operation.variableDefinitions?.some((variable) => variable.type.kind === Kind.NON_NULL_TYPE && !variable.defaultValue);
        if (operation.operation !== "query" || query.includes("…") || required) continue;
        sent++;
        const { status, body } = await owner.graphql(query); // its variables null
        if (status !== 200 || body.errors) {
          const messages = (body.errors ?? []).map((error: { message: string }) => error.message);
          errors.push(`${lineOf(block, operation.loc!.startToken.line)}: ${status} ${messages.join("; ") || JSON.stringify(body)}`);
        }
      }
    }
    expect(errors).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(10);
  } finally {
    await api.close();
  }
});

/**
 * The README's walk through a first clinic, its GraphQL in a shell script's `gql` calls, is run as it is written, in
 * bash with curl, against a test API: its platform admin made as `npm run superuser` would make them, its phones
 * another test's user may not have, its `.data` a folder of its own, and the worker's turn (running the export's job)
 * taken where the reader asks "again until done".
 */
test("the README's first clinic, with curl, runs as written: every answer without an error, and the export downloaded", async () => {
  const release = await takeWorkerTurn();
  const folder = temporaryFolder("readme-walk");
  const exportsBefore = process.env.EXPORTS_DIR;
  process.env.EXPORTS_DIR = join(folder, "exports"); // the server's and the job's (runDueJobs runs it in this process)
  const api = await startApi();
  let shell: ChildProcess | undefined;
  try {
    const admin = await createUser({ isPlatformAdmin: true });
    const [owner, doctor] = [randomPhone(), randomPhone()];
    const [, walk] = /^## A first clinic, with curl$[\s\S]*?^```bash\n([\s\S]*?)^```$/m.exec(readFileSync(projectPath("README.md"), "utf8")) ?? [];
    const script = [
      [/^npm run superuser .*\n/gm, ""],
      ["+255700000001", admin.phone],
      ["'a long admin password'", `'${admin.password}'`],
      ["+255712000001", owner],
      ["0713 000 002", `0${doctor.slice(4, 7)} ${doctor.slice(7, 10)} ${doctor.slice(10)}`], // as the README writes it: a national number
      ["http://localhost:8000", api.url],
      [".data", folder],
      [/^(?=gql "\{ reportExports)/gm, "echo requested >&2; read -r\n"], // waits for the test to run the export's job
    ].reduce((text, [from, to]) => {
      if (typeof from === "string" ? !text.includes(from) : text.search(from) < 0) throw new Error(`The README's walk has no ${from} any more: change this test with it`);
      return text.replaceAll(from, to as string);
    }, walk ?? "");
    // the walk's TODAY, read at its start, the day of its payment taken seconds later: the clinic's midnight passing
    // between them had the export of TODAY without the payment
    await clearOfMidnight(60);
    const bash = (shell = spawn("bash", ["-c", script], { cwd: folder }));
    let [out, err] = ["", ""];
    bash.stdout.on("data", (data) => (out += data));
    bash.stderr.on("data", (data) => (err += data));
    const exit = once(bash, "exit");
    await until(() => err.includes("requested\n") || bash.exitCode !== null, 60_000);
    await runDueJobs();
    bash.stdin.end("\n");
    const [code] = await exit;
    const refused = out.split("\n").filter((line) => (line && !/^\{.*\}$/.test(line)) || /"errors?":/.test(line));
    expect({ refused, said: err, code }).toEqual({ refused: [], said: "requested\n", code: 0 });
    expect(out).toContain('"status":"done"');
    const file = readdirSync(folder).find((name) => /^payments-(.+)-to-\1\.csv$/.test(name)); // of the clinic's day
    expect(file && readFileSync(join(folder, file), "utf8")).toContain("20000");
  } finally {
    if (shell?.exitCode === null) shell.kill();
    await api.close();
    if (exportsBefore === undefined) delete process.env.EXPORTS_DIR;
    else process.env.EXPORTS_DIR = exportsBefore;
    await release();
  }
}, WORKER_TURN_WAIT_MS);
