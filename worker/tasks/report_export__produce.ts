/**
 * report_export__produce: writes one requested export — a CSV streamed from
 * PostgreSQL, or a PDF rendered by Chromium — into a `.part` file of the attempt's
 * own, renamed to the export's file when complete. Queued by app_public.request_export with a job key, so a retry
 * rewrites the same file instead of making another. After the last attempt
 * the export is marked failed with the reason. Each attempt takes the export
 * with an id of its own (attempt_id): only the attempt it is still the work
 * of marks it done, putting its file in place, or tells of its failure. One cancelled while it runs
 * (cancelExport), or handed back, failed or taken by another attempt, stops at its next batch of rows, its file
 * removed, and its job ends as the reason asks (worker/exports/cancelled.ts).
 */
import { rename, rm, stat } from "node:fs/promises";
import type { JobHelpers, Task } from "graphile-worker";
import { exportFile, exportPartFile, makeExportFolder } from "../../db/export-files.ts";
import { inTransaction } from "../../db/pool.ts";
import { TimeoutError } from "puppeteer-core";
import { type ExportJob, writeCsv } from "../exports/csv-export.ts";
import { TooLongToPrint, writePdf } from "../exports/pdf-export.ts";
import { ExportCancelled, ExportNotThisAttempts, wasCancelled, whyRefused } from "../exports/cancelled.ts";
import { NoBrowser, PdfRenderTimeout } from "../pdf/renderer.ts";

/**
 * What the clinic reads of a failed attempt: a render that took too long says
 * so; anything else (a full disk, a lost connection) is ours to look into,
 * and the clinic gets the job's id, which the worker's log shows with the
 * error, never the error's text (paths, SQL).
 */
function reasonForClinic(error: unknown, jobId: string): string {
  if (error instanceof PdfRenderTimeout || error instanceof TimeoutError) return "the PDF took too long to render";
  if (error instanceof TooLongToPrint) return error.message;
  // the worker's log says what to install or set
  if (error instanceof NoBrowser) return "this server has no browser to print PDFs with: its operator must install one (CSV exports work)";
  return `the export could not be written (reference: job ${jobId})`;
}

const isLastAttempt = (helpers: JobHelpers) => helpers.job.attempts >= helpers.job.max_attempts;

/**
 * Tells the clinic of a failed attempt ("Attempt 2 of 3 failed: …"): the export queued again, or failed on
 * the last attempt (or on this one, `forGood`: one no attempt can make); only while the export's status is one of
 * `whileIn`, and, from an attempt that took the export, while it is still that attempt's (`attemptId`). Queued again,
 * it shows no rows done, as a stop's hand-back leaves it and as its next attempt starts it: it showed the failed
 * attempt's progress (a disk full at 670,000 of 1,000,001 rows: "queued", 67 % done, though nothing of it is kept).
 */
function tellOfTheAttempt(
  helpers: JobHelpers,
  { clinicId, id }: { clinicId: string; id: string },
  reason: string,
  whileIn: string[],
  attemptId: string | null = null,
  forGood = false,
) {
  return helpers.query(
    `update app_public.report_export set status = $3::text::app_public.export_status, error = $4,
       finished_at = case when $3::text = 'failed' then now() end, rows_done = case when $3::text = 'queued' then 0 else rows_done end
     where clinic_id = $1 and id = $2 and status::text = any ($5::text[]) and ($6::uuid is null or attempt_id = $6)`,
    [clinicId, id, forGood || isLastAttempt(helpers) ? "failed" : "queued", `Attempt ${helpers.job.attempts} of ${helpers.job.max_attempts} failed: ${reason}`, whileIn, attemptId],
  );
}

/**
 * Marks the export done with its file, which `putInPlace` renames into place while the export's row is held,
 * when the export is still attempt `attemptId`'s: running, or queued by a stop that handed its job back (the
 * attempt may still end in time). Answers whether it was: failed by another attempt meanwhile, or taken by
 * one, it is not, and its file is not put in place.
 */
function markDone(
  helpers: JobHelpers,
  { clinicId, id, attemptId }: { clinicId: string; id: string; attemptId: string },
  file: { name: string; contentType: string; size: number },
  putInPlace: () => Promise<void>,
): Promise<boolean> {
  return helpers.withPgClient((client) =>
    inTransaction(client, async () => {
      const { rowCount } = await client.query(
        `update app_public.report_export set status = 'done', file_name = $4, content_type = $5, byte_size = $6, finished_at = now(),
           expires_at = now() + interval '7 days'
         where clinic_id = $1 and id = $2 and attempt_id = $3 and status in ('queued', 'running')`,
        [clinicId, id, attemptId, file.name, file.contentType, file.size],
      );
      if (rowCount === 0) return false;
      await putInPlace();
      return true;
    }),
  );
}

/** How long an attempt waits for another attempt of its export to end before it fails (to be tried again later). */
const ATTEMPT_WAIT = "30s";

/**
 * Runs `attempt` while this connection holds the export's attempt lock, which another attempt of the same
 * export holds until it ends. A worker's stop hands back an attempt still running, and graphile-worker
 * frees the job of a worker stuck for 4 hours: another worker could take the export again while the
 * first still wrote it, each with its progress. The second waits for the
 * first to end (in a stop, the process's exit a moment after), then finds the export done, or runs it.
 * Still running after `wait`, this attempt fails; the export with it when it was the last (it stayed
 * queued, for good, taking one of the clinic's places for exports in progress).
 */
export async function aloneOnTheExport(
  helpers: JobHelpers,
  { clinicId, id }: { clinicId: string; id: string },
  attempt: () => Promise<void>,
  wait = ATTEMPT_WAIT,
): Promise<void> {
  await helpers.withPgClient(async (client) => {
    await client.query("select set_config('lock_timeout', $1, false)", [wait]);
    try {
      await client.query("select pg_advisory_lock(hashtext('report_export_attempt'), hashtext($1))", [id]);
    } catch (error) {
      if ((error as { code?: string }).code !== "55P03") throw error;
      const last = isLastAttempt(helpers);
      // the export is the other attempt's: told of this one only when it was the last
      if (last) await tellOfTheAttempt(helpers, { clinicId, id }, "another attempt of this export was still running", ["queued", "running"]);
      throw new Error(`another attempt of export ${id} was still running after ${wait}: ${last ? "the export failed" : "this one is tried again later"}`);
    } finally {
      await client.query("reset lock_timeout");
    }
    try {
      await attempt();
    } finally {
      // on a connection that was closed, the lock went with it; the attempt's own error is the one to tell
      await client.query("select pg_advisory_unlock(hashtext('report_export_attempt'), hashtext($1))", [id]).catch(() => {});
    }
  });
}

export const report_export__produce: Task = async (payload, helpers) => {
  const exported = payload as { clinicId: string; id: string };
  await aloneOnTheExport(helpers, exported, () => produce(exported.clinicId, exported.id, helpers));
};

/** One attempt of the export: its row set running, its file written, its row done (or the attempt's failure told). */
async function produce(clinicId: string, id: string, helpers: JobHelpers): Promise<void> {
  const { rows } = await helpers.query<{ attempt_id: string; kind: string; from_date: string; to_date: string; invoice_id: string | null }>(
    `update app_public.report_export set status = 'running', attempt_id = gen_random_uuid(), started_at = now(), rows_done = 0, error = null
     where clinic_id = $1 and id = $2 and status in ('queued', 'running')
     returning attempt_id, kind, from_date::text, to_date::text, invoice_id`,
    [clinicId, id],
  );
  if (!rows[0]) return; // already finished (or gone): nothing to redo
  const attemptId = rows[0].attempt_id;
  const job: ExportJob = { clinicId, id, attemptId, kind: rows[0].kind, from: rows[0].from_date, to: rows[0].to_date, invoiceId: rows[0].invoice_id };
  const pdf = job.kind.endsWith("_pdf");
  const file = exportFile(clinicId, id);
  const partial = exportPartFile(clinicId, id, attemptId); // its own: another attempt, outliving it or outlived, writes another
  try {
    await makeExportFolder(clinicId);
    let name: string;
    if (pdf) {
      name = await writePdf(job, partial, helpers);
    } else {
      await writeCsv(job, partial, helpers);
      name = `${job.kind.replace(/_csv$/, "")}-${job.from}-to-${job.to}.csv`;
    }
    const { size } = await stat(partial);
    const contentType = pdf ? "application/pdf" : "text/csv; charset=utf-8";
    // refused as a write of its progress is: cancelled, failed, or taken by another attempt, meanwhile
    if (!(await markDone(helpers, { clinicId, id, attemptId }, { name, contentType, size }, () => rename(partial, file)))) throw await whyRefused(helpers, job);
  } catch (error) {
    // its own file first, whatever became of the export, and whether or not its failure can be told: the telling
    // refused (the database gone, as in a restart of PostgreSQL) threw before the file was removed, and it stayed, as
    // large as what the attempt had written, until a later attempt took the export and the hourly sweep ran; left to
    // that sweep if even the removal fails
    await rm(partial, { force: true }).catch(() => {});
    // only while the export is this attempt's (running): a worker's stop that handed the job back has set
    // it queued, and its render, cut short, failed after: it told of a failed attempt, or failed the
    // export for good on its last, while the job waited to run again; a cancelled one, not running, is told nothing
    // (not even tried: a telling refused logged an error, that the export showed running, of one that showed cancelled),
    // nor one no longer this attempt's, whose telling would change nothing. A failure for good (one no attempt can
    // make) is told queued too, while the export is still this attempt's (no other has taken it: it holds the
    // export's attempt lock until it ends), as its mark of done would be: its cause is not the stop, and its job
    // ends, the export failed at once; told only while running, its job ended all the same and the export stayed
    // queued with no job until the hourly sweep failed it as "interrupted"
    const forGood = error instanceof TooLongToPrint;
    const whileIn = forGood ? ["queued", "running"] : ["running"];
    const tell = () => tellOfTheAttempt(helpers, { clinicId, id }, reasonForClinic(error, helpers.job.id), whileIn, attemptId, forGood);
    // once more, on another connection: a connection the database closed under the export may be lent
    // again before its end is heard, and the export then read "running" until its next attempt. Refused both
    // times, that is logged, and the attempt ends with its own error, which the worker's log then names (it named the
    // telling's, and the attempt's own cause, which the clinic's "reference: job …" points to, was in no log); after
    // its last attempt, the export shows running until the hourly sweep fails it (fail_abandoned_exports)
    const untold = error instanceof ExportNotThisAttempts ? null : await tell().catch(tell).then(
      () => null,
      (telling: unknown) => (telling instanceof Error ? telling : new Error(String(telling))),
    );
    const until = isLastAttempt(helpers) ? "the hourly sweep fails it, this having been its last attempt" : "its next attempt";
    if (untold) helpers.logger.error(`report_export__produce: export ${id}'s failed attempt could not be told (it shows running until ${until}): ${untold.message}`);
    // cancelled meanwhile: no failure, the job ends (not retried) and the export stays cancelled; so too when the
    // attempt failed for another reason before it saw the cancel (its job's attempts were used up by the cancel,
    // graphile-worker would keep it failed for good and log an error no one need act on); one refused a write has been
    // asked already (whyRefused)
    const cancelled =
      error instanceof ExportNotThisAttempts
        ? error instanceof ExportCancelled && error
        : (await wasCancelled(helpers, { clinicId, id }).catch(() => false)) && new ExportCancelled(id);
    if (cancelled) return helpers.logger.info(`report_export__produce: ${cancelled.message}`);
    // failed for good: the job ends, its retries would fail the same way (each one a render timed out, before); one
    // whose failure was not told is tried again, to be told then (ended, it stayed running until the hourly sweep)
    if (forGood && !untold) return helpers.logger.info(`report_export__produce: export ${id} failed for good: ${error.message}`);
    // one no longer this attempt's (ExportNotThisAttempts) ends with its error too, which graphile-worker writes only on a
    // job its worker process still holds: one handed back, or taken by another process's attempt, stays as that attempt has it; ended
    // without an error, its job, that attempt's too, was deleted
    throw error;
  }
}
