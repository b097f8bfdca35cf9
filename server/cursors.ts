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
 * did (decision 011). The `Cursor` scalar, which every cursor goes out and comes in as, seals the
 * cursor with AES-256-GCM when it goes out (padded to a multiple of 64 characters, so that its length
 * tells nothing either; its nonce an HMAC of the cursor: the same position is the same cursor), and
 * opens it when it comes in; one that does not open becomes "", which
 * @dataplan/pg refuses as a cursor that does not decode (errors.ts gives that refusal its code and
 * message). Its keys are derived from JWT_SECRET. Not a protection of rows: a cursor reaches none
 * that a filter could not.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey } from "node:crypto";

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** A sealed cursor's length is a multiple of this (and the nonce and tag), whatever it holds. */
const PADDED_TO = 64;

/** Seals and opens cursors under keys derived from `secret`; `open` answers "" for one it did not seal. */
export function cursorSealer(secret: string): { seal(cursor: string): string; open(given: string): string } {
  // keys of their own, so that no cursor is sealed as the sessions' tokens are signed; as key objects,
  // made once (given as bytes, they are made again at every cursor)
  const derived = (label: string) => createSecretKey(createHmac("sha256", secret).update(label).digest());
  const cipherKey = derived("clinicops pagination cursor key");
  const nonceKey = derived("clinicops pagination cursor nonce");
  const seal = (cursor: string) => {
    const nonce = createHmac("sha256", nonceKey).update(cursor).digest().subarray(0, NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", cipherKey, nonce);
    // padded (with spaces, which base64 has not) to a multiple of PADDED_TO: a cursor's length told how many digits its key had
    const padded = cursor.padEnd(Math.ceil((cursor.length + 1) / PADDED_TO) * PADDED_TO, " ");
    const sealed = Buffer.concat([cipher.update(padded, "utf8"), cipher.final()]);
    return Buffer.concat([nonce, sealed, cipher.getAuthTag()]).toString("base64url");
  };
  /** The cursor as @dataplan/pg wrote it, or "" when the API did not seal it. */
  const open = (given: string) => {
    const bytes = Buffer.from(given, "base64url");
    if (bytes.length < NONCE_BYTES + TAG_BYTES) return "";
    try {
      const decipher = createDecipheriv("aes-256-gcm", cipherKey, bytes.subarray(0, NONCE_BYTES));
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
  return {
    name: "ClinicOpsSealedCursorsPlugin",
    version: "1.0.0",
    schema: {
      hooks: {
        GraphQLScalarType(config, _build, { scope }) {
          const { serialize, parseValue, parseLiteral } = config;
          if (!scope.isCursorType || !serialize || !parseValue || !parseLiteral) return config;
          return {
            ...config,
            serialize: (value) => seal(String(serialize(value))),
            parseValue: (value) => open(String(parseValue(value))),
            parseLiteral: (ast, variables) => open(String(parseLiteral(ast, variables))),
          };
        },
      },
    },
  };
}
