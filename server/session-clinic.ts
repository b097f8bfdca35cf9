/** The clinic of the verified session's claim, as a plan step: null for a session without one (row-level security checks it against the live session). */
import { context, lambda } from "postgraphile/grafast";

export const sessionClinicId = () => lambda(context().get("pgSettings"), (settings) => settings?.["jwt.claims.clinic_id"] || null);
