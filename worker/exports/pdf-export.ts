/** Renders a PDF export from the document the database describes. */
import { writeFile } from "node:fs/promises";
import type { JobHelpers } from "graphile-worker";
import { renderPdf } from "../pdf/renderer.ts";
import { invoiceHtml, monthlySummaryHtml, reconciliationHtml } from "../pdf/templates.ts";
import { type ExportJob, reportProgress } from "./csv-export.ts";
import { EXPORT_FILE_MODE } from "../../db/export-files.ts";
import { inTransaction } from "../../db/pool.ts";

/**
 * The document `fn` describes (jsonb, read as text) of clinic `args[0]`, or null when it has none: its
 * numbers kept as the decimal text PostgreSQL wrote, where node-pg's JSON.parse made them JavaScript
 * numbers, which lose the digits past 2^53 (a total of 9999999999999.999 printed …999.998); its moments
 * written in the clinic's time zone by PostgreSQL (the session's TimeZone), whose wall-clock times the
 * templates print, as the API and the CSVs give them (Node's zone data is not PostgreSQL's).
 */
async function documentOf(helpers: JobHelpers, fn: string, args: [clinicId: string, ...rest: unknown[]]) {
  const placeholders = args.map((_, i) => `$${i + 1}`).join(", ");
  const text = await helpers.withPgClient((client) =>
    inTransaction(client, async () => {
      await client.query("select set_config('timezone', c.timezone, true) from app_public.clinic c where c.id = $1", [args[0]]);
      const { rows } = await client.query<{ doc: string | null }>(`select app_private.${fn}(${placeholders})::text as doc`, args);
      return rows[0].doc;
    }),
  );
  return text === null ? null : JSON.parse(text, (_key, value, context?: { source: string }) => (typeof value === "number" ? context!.source : value));
}

/**
 * The most rows an invoice PDF prints: its lines, payments and refunds, each a row of a table. Rendering takes time with
 * the rows, more than in proportion (lines: up to 10.6 s for 3,000 on two busy cores, over the 20 s PDF_RENDER_TIMEOUT_MS
 * for about 6,000; payments cost as much: 2,000 in 8.1 s to 2,000 lines' 7.4 s on two cores under a load of 7, and 6,000
 * took 48 s on a busy machine), and an invoice much longer cannot be printed
 * in time however often it is tried: its export fails at once, saying so, where its three attempts each timed out.
 */
export const MAX_INVOICE_PDF_ROWS = 2_000;

const count = (n: number) => n.toLocaleString("en");
const counted = (n: number, what: string) => `${count(n)} ${what}${n === 1 ? "" : "s"}`;

/** Why an invoice of `lines`, `payments` and `refunds` is not printed, or null when it may be. */
function tooLongToPrint(lines: number, payments: number, refunds: number): string | null {
  const rows = lines + payments + refunds;
  if (rows <= MAX_INVOICE_PDF_ROWS) return null;
  const limit = `more than the ${count(MAX_INVOICE_PDF_ROWS)} an invoice PDF prints, so it is not tried again`;
  if (payments + refunds === 0) return `the invoice has ${count(lines)} lines, ${limit} (bill them on invoices of ${count(MAX_INVOICE_PDF_ROWS)} lines or fewer)`;
  const parts = [counted(lines, "line"), counted(payments, "payment"), counted(refunds, "refund")].filter((part) => !part.startsWith("0 "));
  const has = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
  return `the invoice has ${has}, ${count(rows)} rows in all, ${limit} (its payments and refunds are in the payments CSV of their days)`;
}

/** A document that cannot be printed whatever the attempt (its message is the clinic's): its export is not tried again. */
export class TooLongToPrint extends Error {}

/** Throws TooLongToPrint for an invoice of more rows than a PDF prints. */
function refuseTooLong(lines: number, payments: number, refunds: number): void {
  const tooLong = tooLongToPrint(lines, payments, refunds);
  if (tooLong) throw new TooLongToPrint(tooLong);
}

/**
 * Refuses an invoice of more rows than a PDF prints from its counts, before its document is read: an invoice of
 * 150,000 lines (an import billing a year's visits on one invoice) had its whole document built by PostgreSQL and
 * parsed by the worker, 79 MB of JSON and 9 to 13 s of one of the worker's two slots, its memory growing with the
 * lines, only to be refused. The counts are of the rows the document gives (its lines, payments and refunds).
 */
async function refuseTooLongInvoice(helpers: JobHelpers, job: ExportJob): Promise<void> {
  const { rows } = await helpers.query<{ lines: number; payments: number; refunds: number }>(
    `select (select count(*) from app_public.invoice_line l where l.clinic_id = $1 and l.invoice_id = $2)::int as lines,
            (select count(*) from app_public.payment p where p.clinic_id = $1 and p.invoice_id = $2)::int as payments,
            (select count(*) from app_public.refund r where r.clinic_id = $1 and r.invoice_id = $2)::int as refunds`,
    [job.clinicId, job.invoiceId],
  );
  refuseTooLong(rows[0].lines, rows[0].payments, rows[0].refunds);
}

/** Writes the PDF to `file`; returns the name the download is saved as. */
export async function writePdf(job: ExportJob, file: string, helpers: JobHelpers): Promise<string> {
  await reportProgress(helpers, job, "rows_total", 1);
  let html: string;
  let name: string;
  if (job.kind === "invoice_pdf") {
    await refuseTooLongInvoice(helpers, job);
    const doc = await documentOf(helpers, "invoice_document", [job.clinicId, job.invoiceId]);
    if (!doc) throw new Error("The invoice no longer exists.");
    // doc.payments holds the refunds too (kind "refund"), printed in the same table; counted again, as printed (a
    // payment recorded since the counts)
    const refunds = doc.payments.filter((p: { kind: string }) => p.kind === "refund").length;
    refuseTooLong(doc.lines.length, doc.payments.length - refunds, refunds);
    html = invoiceHtml(doc);
    // a prefix accepted before 000017 may hold a slash (INV/), after which the download's name was all a browser kept
    name = `invoice-${doc.invoice.code.replace(/[/\\]/g, "-")}.pdf`;
  } else if (job.kind === "reconciliation_pdf") {
    html = reconciliationHtml(await documentOf(helpers, "reconciliation_document", [job.clinicId, job.from]));
    name = `reconciliation-${job.from}.pdf`;
  } else {
    html = monthlySummaryHtml(await documentOf(helpers, "monthly_summary_document", [job.clinicId, job.from, job.to]));
    name = `summary-${job.from.slice(0, 7)}.pdf`;
  }
  const { pdf, blocked } = await renderPdf(html);
  if (blocked.length > 0) helpers.logger.warn(`report_export__produce: the document tried to load ${blocked.length} URL(s); refused`);
  await writeFile(file, pdf, { mode: EXPORT_FILE_MODE });
  await reportProgress(helpers, job, "rows_done", 1);
  return name;
}
