/**
 * Why an attempt stops when a write of its export is refused: its progress (at each batch of rows; a PDF's once
 * rendered) or its mark of done. The export is no longer this attempt's to write, and the attempt stops there,
 * removes what it wrote, and ends its job as the reason asks.
 *
 * Cancelled meanwhile (cancelExport): its job ends without an error, not to be retried, and the export stays
 * cancelled. So does one whose attempt fails for another reason (a connection cut, a render timed out) after it was
 * cancelled.
 *
 * Handed back by its worker's stop (queued), failed (by the last attempt that waited for it, or the hourly sweep), or
 * taken by another attempt: its job ends with the error ExportNotThisAttempts, nothing told on the export. graphile-worker
 * writes a failure only on a job its own worker process still holds (locked_by is the process's pool, not the slot): a
 * job handed back (unlocked) or taken by another process's attempt is left as that attempt has it, so no retry of this
 * one fights it. (One stuck 4 hours whose job another slot of the same process took again has its failure written on
 * that job: rare, and as its refused mark of done always did.) Ended without
 * an error, graphile-worker would delete the job whoever holds it, and a failure of the other attempt would never be
 * retried.
 */
import type { JobHelpers } from "graphile-worker";

/** The export is no longer this attempt's (handed back, failed, or taken by another attempt): what it wrote is dropped. */
export class ExportNotThisAttempts extends Error {
  constructor(id: string, message = `export ${id} is no longer this attempt's (handed back, failed, or taken by another attempt, meanwhile): what it wrote is dropped`) {
    super(message);
  }
}

/** The export was cancelled while this attempt ran: what it wrote is dropped, and its job ends without an error. */
export class ExportCancelled extends ExportNotThisAttempts {
  constructor(id: string) {
    super(id, `export ${id} was cancelled while its attempt ran: what it wrote is dropped`);
  }
}

/** Whether the export has been cancelled. */
export async function wasCancelled(helpers: JobHelpers, { clinicId, id }: { clinicId: string; id: string }): Promise<boolean> {
  const { rows } = await helpers.query("select from app_public.report_export where clinic_id = $1 and id = $2 and status = 'cancelled'", [clinicId, id]);
  return rows.length > 0;
}

/** The error that stops an attempt whose write of the export was refused: ExportCancelled, or else ExportNotThisAttempts. */
export async function whyRefused(helpers: JobHelpers, exported: { clinicId: string; id: string }): Promise<ExportNotThisAttempts> {
  return (await wasCancelled(helpers, exported)) ? new ExportCancelled(exported.id) : new ExportNotThisAttempts(exported.id);
}
