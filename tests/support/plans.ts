/**
 * What a test of a plan sets on its connection: generic plans, as every API transaction asks
 * (server/pg-settings.ts), and every plan (nested statements too, those of the functions a statement
 * calls) told as a notice by auto_explain. A connection that ran them is released destroyed
 * (`client.release(true)`): not back to the pool with auto_explain loaded.
 */
export const EXPLAINED_GENERIC = ["set plan_cache_mode = force_generic_plan", "load 'auto_explain'", "set auto_explain.log_min_duration = 0",
  "set auto_explain.log_nested_statements = on", "set auto_explain.log_level = notice"];
