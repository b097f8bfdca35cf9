/** The clinic of the verified session's claim, as a plan step: null for a session without one (row-level security checks it against the live session). */
import { context, lambda } from "postgraphile/grafast";

/** One function for every such step, so that Grafast folds the steps of one plan into one. */
const clinicOfSettings = (settings: Record<string, string | undefined> | null) => settings?.["jwt.claims.clinic_id"] || null;

export const sessionClinicId = () => lambda(context().get("pgSettings"), clinicOfSettings, true);
