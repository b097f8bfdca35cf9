/**
 * SCRAM-SHA-256 verifiers of login roles' passwords, made here (RFC 5802, RFC 7677, in PostgreSQL's
 * form). PostgreSQL keeps a password given in this form as it is: the password itself is then never
 * in a statement's text, which a server logging DDL (`log_statement = ddl`), or a statement that
 * failed, wrote to PostgreSQL's log. And a start can tell that a role's password is already its
 * own, and leave the role as it is.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

/** PostgreSQL's default (`scram_iterations`). */
const ITERATIONS = 4096;

/** Printable ASCII, which every client sends as typed: PostgreSQL's own clients normalise other text first (SASLprep), node-postgres does not. */
export const PASSWORD_FORM = /^[\x20-\x7e]+$/;

/** The refusal of a password not of PASSWORD_FORM, naming where it came from. */
export const PASSWORD_FORM_WORDS = (source: string) => `${source} must be letters, digits, spaces and punctuation of ASCII (at least one)`;

function keys(password: string, salt: Buffer, iterations: number): { stored: Buffer; server: Buffer } {
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const hmac = (text: string) => createHmac("sha256", salted).update(text).digest();
  return { stored: createHash("sha256").update(hmac("Client Key")).digest(), server: hmac("Server Key") };
}

/** The verifier PostgreSQL stores for `password` (`SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`), with a new salt. */
export function scramVerifier(password: string): string {
  const salt = randomBytes(16);
  const { stored, server } = keys(password, salt, ITERATIONS);
  return `SCRAM-SHA-256$${ITERATIONS}:${salt.toString("base64")}$${stored.toString("base64")}:${server.toString("base64")}`;
}

/** Whether `verifier` (a role's `pg_authid.rolpassword`, null when it has none) lets `password` in. */
export function isVerifierOf(verifier: string | null, password: string): boolean {
  const parts = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/.exec(verifier ?? "");
  if (!parts) return false; // none, or an md5 hash: set again as a verifier
  const { stored, server } = keys(password, Buffer.from(parts[2], "base64"), Number(parts[1]));
  const expected = Buffer.concat([Buffer.from(parts[3], "base64"), Buffer.from(parts[4], "base64")]);
  const actual = Buffer.concat([stored, server]);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
