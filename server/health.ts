/**
 * GET /health: the process is up. GET /ready: the database answers, within
 * CONNECT_TIMEOUT_MS, and its newest applied migration is the newest committed one.
 */
import express from "express";
import type pg from "pg";
import { withPgSettings } from "./pg-transaction.ts";
import { migrationNumber, newestCommittedMigration } from "../db/committed-migrations.ts";
import { CONNECT_TIMEOUT_MS } from "../db/pool.ts";
import { withinTime } from "../db/deadline.ts";
import { log } from "./log.ts";

/** `asVisitor` holds the settings of an anonymous API request; `expected`, the migration this code needs. */
export function healthRoutes(pool: pg.Pool, asVisitor: Record<string, string>, expected = newestCommittedMigration()): express.Router {
  const router = express.Router();
  router.get("/health", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/ready", async (_req, res) => {
    try {
      // a database frozen under a connection the pool holds answers nothing, and /ready waited for as long as that lasted
      const { rows } = await withinTime(
        CONNECT_TIMEOUT_MS,
        withPgSettings(pool, asVisitor, (client) => client.query("select app_hidden.latest_migration() as latest")),
        () => new Error(`the database did not answer within ${CONNECT_TIMEOUT_MS} ms`),
      );
      const latest = migrationNumber(rows[0].latest);
      if (latest !== expected) {
        // a newer version migrated the database under this one: nothing is pending, this code is out of date
        const status = latest !== null && expected !== null && latest > expected ? "code_behind_database" : "migrations_pending";
        res.status(503).json({ status, applied: latest, expected });
        return;
      }
      res.json({ status: "ready", migration: latest });
    } catch (error) {
      log("warn", "ready", { status: "database_unreachable", message: error instanceof Error ? error.message : String(error) });
      res.status(503).json({ status: "database_unreachable" });
    }
  });
  return router;
}
