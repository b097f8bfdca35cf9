/**
 * An export cancelled (cancelExport) while an attempt of it runs: the attempt finds it so when its progress is not
 * written (at each batch of rows; a PDF's once rendered) or its mark of done is refused, stops, and removes what it
 * wrote; its job then ends without an error, not to be retried, and the export stays cancelled. So does one whose
 * attempt fails for another reason (a connection cut, a render timed out) after it was cancelled.
 */
import type { JobHelpers } from "graphile-worker";

export class ExportCancelled extends Error {
  constructor(id: string) {
    super(`export ${id} was cancelled while its attempt ran: what it wrote is dropped`);
  }
}

/** Whether the export has been cancelled. */
export async function wasCancelled(helpers: JobHelpers, { clinicId, id }: { clinicId: string; id: string }): Promise<boolean> {
  const { rows } = await helpers.query("select from app_public.report_export where clinic_id = $1 and id = $2 and status = 'cancelled'", [clinicId, id]);
  return rows.length > 0;
}

/** Throws ExportCancelled when the export has been cancelled. */
export async function stopIfCancelled(helpers: JobHelpers, exported: { clinicId: string; id: string }): Promise<void> {
  if (await wasCancelled(helpers, exported)) throw new ExportCancelled(exported.id);
}
