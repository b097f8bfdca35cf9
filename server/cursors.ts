/**
 * Pagination cursors carry a signature, so that a cursor the API did not hand
 * out is refused: INVALID_INPUT "This cursor is not valid for this list."
 *
 * @dataplan/pg's cursor is the base64 of a JSON list: a digest of the list's
 * order, then the row's values of that order. It checks the digest and the
 * number of values, then puts the values into the SQL as they come: a cursor
 * made by hand with the right digest answered "A value has the wrong format."
 * (a value not of its column's type) or, with nulls, an empty page and no
 * error. Which values would do depends on the order, known only as the SQL is
 * built; whether the API wrote the cursor can be told instead. The `Cursor`
 * scalar, which every cursor goes out and comes in as, adds an HMAC of the
 * cursor (a key derived from JWT_SECRET) when it goes out, and takes it off
 * when it comes in; a cursor without a valid one becomes "", which
 * @dataplan/pg refuses as a cursor that does not decode (errors.ts gives that
 * refusal its code and message). Not a protection of rows: a cursor reaches
 * none that a filter could not.
 */
import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto";

/** Between the cursor and its signature: not a base64 character. */
const SEPARATOR = ".";

export function signedCursorsPlugin(secret: string): GraphileConfig.Plugin {
  // its own key, so that no signature of a cursor is one the sessions' tokens could use; as a key
  // object, made once (given as bytes, it is made again at every signature: 5 times as long)
  const key = createSecretKey(createHmac("sha256", secret).update("clinicops pagination cursor").digest());
  const signature = (cursor: string) => createHmac("sha256", key).update(cursor).digest().subarray(0, 16).toString("base64url");
  const sign = (cursor: string) => `${cursor}${SEPARATOR}${signature(cursor)}`;
  /** The cursor as @dataplan/pg wrote it, or "" when the API did not sign it. */
  const verify = (signed: string) => {
    const at = signed.lastIndexOf(SEPARATOR);
    if (at < 0) return "";
    const cursor = signed.slice(0, at);
    const given = Buffer.from(signed.slice(at + 1));
    const expected = Buffer.from(signature(cursor));
    return given.length === expected.length && timingSafeEqual(given, expected) ? cursor : "";
  };
  return {
    name: "ClinicOpsSignedCursorsPlugin",
    version: "1.0.0",
    schema: {
      hooks: {
        GraphQLScalarType(config, _build, { scope }) {
          const { serialize, parseValue, parseLiteral } = config;
          if (!scope.isCursorType || !serialize || !parseValue || !parseLiteral) return config;
          return {
            ...config,
            serialize: (value) => sign(String(serialize(value))),
            parseValue: (value) => verify(String(parseValue(value))),
            parseLiteral: (ast, variables) => verify(String(parseLiteral(ast, variables))),
          };
        },
      },
    },
  };
}
