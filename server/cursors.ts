/**
 * Pagination cursors are sealed: encrypted and authenticated, so that a cursor the API did not hand
 * out is refused (INVALID_INPUT "This cursor is not valid for this list."), and one it did tells
 * nothing of what it holds.
 *
 * @dataplan/pg's cursor is the base64 of a JSON list: a digest of the list's order, then the row's
 * values of that order, the primary key last. It checks the digest and the number of values, then
 * puts the values into the SQL as they come: a cursor made by hand with the right digest answered
 * "A value has the wrong format." (a value not of its column's type) or, with nulls, an empty page
 * and no error. Which values would do depends on the order, known only as the SQL is built; whether
 * the API wrote the cursor can be told instead. And a key can tell more than its row: the audit
 * log's is one count of every clinic's entries, so a clinic read in its cursors how much the others
 * did (decision 011). Every field that hands out a cursor (an edge's `cursor`, PageInfo's
 * `startCursor` and `endCursor`) seals it with AES-256-GCM (padded to a multiple of 64 characters, so
 * that its length tells nothing either; its nonce an HMAC of the cursor: the same position is the same
 * cursor), and every `before` and `after` opens it; one that does not open becomes "", which
 * @dataplan/pg refuses as a cursor that does not decode (errors.ts gives that refusal its code and
 * message). Its keys are derived from JWT_SECRET. A cursor is sealed to the clinic of the session
 * it was handed to: one copied from another clinic's page (a URL, a log) paged this clinic's rows from
 * the other's row's place, telling where its hidden value sorts among rows one can make. Both are plan
 * steps run at each request with its session's clinic: a cursor written in the query's text is part of
 * a plan every session sending that text shares. Not a protection of rows: a cursor reaches none that a
 * filter could not.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey } from "node:crypto";
import { ConstantStep, defaultPlanResolver, type GrafastArgumentConfig, lambda, type Step } from "postgraphile/grafast";
import { sessionClinicId } from "./session-clinic.ts";

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** A sealed cursor's length is a multiple of this (and the nonce and tag), whatever it holds. */
const PADDED_TO = 64;

/**
 * Seals and opens cursors under keys derived from `secret`, each sealed to a `scope` (the clinic of the session it was
 * handed to); `open` answers "" for one it did not seal for that scope.
 */
export function cursorSealer(secret: string): { seal(cursor: string, scope: string): string; open(given: string, scope: string): string } {
  // keys of their own, so that no cursor is sealed as the sessions' tokens are signed; as key objects,
  // made once (given as bytes, they are made again at every cursor)
  const derived = (label: string) => createSecretKey(createHmac("sha256", secret).update(label).digest());
  const cipherKey = derived("clinicops pagination cursor key");
  const nonceKey = derived("clinicops pagination cursor nonce");
  const seal = (cursor: string, scope: string) => {
    const nonce = createHmac("sha256", nonceKey).update(scope).update("\0").update(cursor).digest().subarray(0, NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", cipherKey, nonce);
    cipher.setAAD(Buffer.from(scope)); // authenticated, not carried: opened for another scope, the tag fails
    // padded (with spaces, which base64 has not) to a multiple of PADDED_TO: a cursor's length told how many digits its key had
    const padded = cursor.padEnd(Math.ceil((cursor.length + 1) / PADDED_TO) * PADDED_TO, " ");
    const sealed = Buffer.concat([cipher.update(padded, "utf8"), cipher.final()]);
    return Buffer.concat([nonce, sealed, cipher.getAuthTag()]).toString("base64url");
  };
  /** The cursor as @dataplan/pg wrote it, or "" when the API did not seal it. */
  const open = (given: string, scope: string) => {
    const bytes = Buffer.from(given, "base64url");
    if (bytes.length < NONCE_BYTES + TAG_BYTES) return "";
    try {
      const decipher = createDecipheriv("aes-256-gcm", cipherKey, bytes.subarray(0, NONCE_BYTES));
      decipher.setAAD(Buffer.from(scope));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString("utf8").trimEnd();
    } catch {
      return "";
    }
  };
  return { seal, open };
}

export function sealedCursorsPlugin(secret: string): GraphileConfig.Plugin {
  const { seal, open } = cursorSealer(secret);
  /** `seal` or `open` as a step's function of [cursor, the session's clinic]: none for none, "" for no clinic. */
  const inScope = (fn: (cursor: string, scope: string) => string) => ([cursor, clinic]: readonly unknown[]) =>
    cursor == null ? null : fn(String(cursor), String(clinic ?? ""));
  const [sealFor, openFor] = [inScope(seal), inScope(open)];
  // steps, run at each request with its own session: a cursor written in the query text is a constant of a plan that every
  // session sending that text shares, and the websocket's requests never pass express
  const opened = ($given: Step) => ($given instanceof ConstantStep && $given.data == null ? $given : lambda([$given, sessionClinicId()], openFor, true));
  return {
    name: "ClinicOpsSealedCursorsPlugin",
    version: "1.0.0",
    after: ["PgFirstLastBeforeAfterArgsPlugin"],
    schema: {
      hooks: {
        // cursors going out: edges' `cursor`, and `startCursor`/`endCursor` of PageInfo
        GraphQLObjectType_fields_field(field, build) {
          if (build.graphql.getNamedType(field.type).name !== build.inflection.builtin("Cursor")) return field;
          const plan: NonNullable<typeof field.plan> = field.plan ?? defaultPlanResolver;
          return { ...field, plan: (...planArgs: Parameters<typeof plan>) => lambda([plan(...planArgs), sessionClinicId()], sealFor, true) };
        },
        // cursors coming in: `before` and `after`
        GraphQLObjectType_fields_field_args(args, build) {
          const cursorType = build.inflection.builtin("Cursor");
          return Object.fromEntries(
            Object.entries(args).map(([name, arg]): [string, GrafastArgumentConfig] => {
              const applyPlan = arg.applyPlan;
              if (!applyPlan || build.graphql.getNamedType(arg.type).name !== cursorType) return [name, arg];
              return [name, { ...arg, applyPlan: ($parent, $field, input, info) => applyPlan($parent, $field, { ...input, getRaw: (path?: Parameters<typeof input.getRaw>[0]) => (path === undefined ? opened(input.getRaw()) : input.getRaw(path)) } as typeof input, info) }];
            }),
          );
        },
      },
    },
  };
}
