/**
 * The session JWT: HS256 only, issued for a live row of app_private.session.
 * The database treats `session_id` as the authority; the other claims are
 * informative.
 */
import { createSecretKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";
import { isUuid } from "../db/uuid.ts";

export interface SessionClaims {
  session_id: string;
  user_id: string;
  clinic_id: string | null;
  role: string | null;
}

const ISSUER = "clinicops";
const AUDIENCE = "clinicops";

// Given a string, jsonwebtoken first tries it as a public key (and catches the
// failure) on every call: the key object is made once per secret instead.
const keys = new Map<string, KeyObject>();
function secretKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret))));
  return key;
}

export function signSessionToken(claims: SessionClaims, expiresAt: Date, secret: string): string {
  return jwt.sign({ ...claims, exp: Math.floor(expiresAt.getTime() / 1000) }, secretKey(secret), {
    algorithm: "HS256",
    issuer: ISSUER,
    audience: AUDIENCE,
    subject: claims.user_id,
  });
}

/** The claims of a valid token, or null for a forged, tampered, expired or malformed one. */
export function verifySessionToken(token: string, secret: string): SessionClaims | null {
  try {
    const payload = jwt.verify(token, secretKey(secret), { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE });
    // ids that are no uuids are signed by our secret alone, yet would reach the database's uuid casts: malformed too
    if (typeof payload !== "object") return null;
    const { session_id, user_id, clinic_id = null, role = null } = payload;
    if (!isUuid(session_id) || !isUuid(user_id) || !(clinic_id === null || isUuid(clinic_id))) return null;
    return { session_id, user_id, clinic_id, role };
  } catch {
    return null;
  }
}
