/**
 * Grafast reads GRAPHILE_ENV when it loads: development adds checks and
 * readable errors, production is lean. Follows NODE_ENV unless set (empty
 * is unset, as for every variable: Grafast took it for production).
 */
process.env.GRAPHILE_ENV ||= process.env.NODE_ENV === "production" ? "production" : "development";
