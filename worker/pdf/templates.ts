/**
 * HTML templates of the PDF documents. Every value goes through `html`, which
 * escapes it; charts are inline SVG; nothing is loaded from anywhere. Text breaks
 * anywhere a word is too long for its place (a name, a description or a reference
 * typed without a space widened a table or the header past the page's edge, and
 * what was right of it was cut off); figures, right-aligned, break only at spaces.
 */
import { difference, formatter, html, raw, sum, type Raw } from "./format.ts";

type Json = Record<string, any>;

const STYLE = raw(`<style>
  body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; color: #222; overflow-wrap: anywhere; }
  h1 { font-size: 17pt; margin: 0 0 4px; } h2 { font-size: 12.5pt; margin: 18px 0 6px; }
  .muted { color: #666; } .right { text-align: right; overflow-wrap: normal; } .nowrap { white-space: nowrap; } .digits { display: inline-block; } .header { display: flex; justify-content: space-between; } .header > .right { flex: none; margin-left: 16px; white-space: nowrap; }
  /* a figure in its own direction, as its locale writes it: a Hebrew amount ("\u200f1,000.00 \u200fTZS", its right-to-left marks
     Intl's) laid out left to right printed "1,000.00TZS", its space moved to the number's other side; an Arabic one
     its code on the wrong side. A right-aligned cell holds a figure (or words of ours, which begin with a left-to-right letter) */
  td.right, th.right { unicode-bidi: plaintext; }
  table { width: 100%; border-collapse: collapse; margin-top: 6px; }
  /* a table going on to another page repeats its headings there (its thead), and a row is never cut in two by a page's end */
  tr { break-inside: avoid; }
  /* a chart (a month's days at most, 31 bars) goes on to the next page whole, its heading with it */
  .chart { break-inside: avoid; }
  th, td { padding: 4px 6px; border-bottom: 1px solid #ddd; } th { text-align: left; background: #f3f3f3; }
  /* the totals are read together (a "Balance due" alone at the top of the next page, its "Total" above the page's end),
     and a heading stays on the page of what it heads ("Payments" at a page's foot, its table on the next) */
  table.totals { break-inside: avoid; } h2 { break-after: avoid; }
  .totals td { border: none; } .totals tr.grand td { font-weight: bold; border-top: 2px solid #222; }
  .footer { margin-top: 24px; font-size: 9pt; color: #555; border-top: 1px solid #ccc; padding-top: 6px; }
  .lines { white-space: pre-line; }
  /* text in its own direction (\`typed\`, \`isolated\`): each of its lines', which its first letter decides */
  bdi { unicode-bidi: plaintext; }
  /* words of ours (a tender's name) break between words only: beside a day's 13-digit amounts, "insurance" was cut into letters */
  .words { overflow-wrap: normal; }
  /* a description breaks anywhere, yet keeps a few words' room: the figures' columns left it 5 characters' width */
  .description { min-width: 8em; }
  .sign { display: inline-block; width: 45%; margin-top: 40px; border-top: 1px solid #222; padding-top: 4px; }
</style>`);

/** The clinic's locale (BCP 47); documents made before clinics had a locale print in English. */
const localeOf = (clinic: Json): string => clinic.locale ?? "en";

/**
 * The clinic's formats, for amounts in `money`'s currency (the clinic's, or an invoice's own, which is another when the
 * clinic's changed before 000066), in the decimals the document gives with it, or more where they are kept finer (`formatter`).
 */
const formatsOf = (clinic: Json, money: Json = clinic) => formatter({ currency: money.currency, decimals: money.decimals, locale: localeOf(clinic) });

/**
 * Words of the document's own (a heading, a label, a status or tender's name), which are English whatever the clinic's
 * locale, marked as English: the page is in the clinic's language (`page`), and a German screen reader read "Balance
 * due" in a German voice. What the clinic typed (names, notes, services) and the figures and dates, written the locale's
 * way, stay in the clinic's language. `role="generic"` (a span's own role) puts the span in the PDF's structure tree, with
 * its language (`/Lang (en)`): Chromium leaves a plain span out of it, and its `lang` with it.
 */
const en = (words: unknown): Raw => html`<span lang="en" role="generic">${words}</span>`;

/**
 * A date or a moment laid out in its own direction (`bdi`: an isolate, whose direction its first letter or mark decides):
 * an Arabic date ("04‏/12‏/2026", its right-to-left marks Intl's) among the page's left-to-right words, or alone in a cell,
 * had its parts reordered with theirs and printed "042026/12/" (a month "012026/12/31 – 2026/12/"); a Hebrew one likewise.
 */
const isolated = (text: string): Raw => html`<bdi>${text}</bdi>`;

/**
 * What the clinic typed (its name, address and footer, a patient's name and address, a service, a reference, a note, a
 * reason) laid out in its own direction, each of its lines in the direction its first letter gives it (a `bdi`, which the
 * style makes \`unicode-bidi: plaintext\`), whatever the page's or its neighbours': an Arabic note ending in "." printed
 * the full stop at the sentence's start, in the page's left-to-right order, and an Arabic or Hebrew name beside a code or
 * a number ("شارع 12") had its neighbours reordered with it.
 */
const typed = (text: unknown): Raw => html`<bdi>${text ?? ""}</bdi>`;

/** `format(value)`, or a dash where there is no value (not counted yet, no visit to average). */
const orDash = (value: unknown, format: (value: unknown) => string) => (value === null || value === undefined ? "—" : format(value));

function clinicHeader(clinic: Json, title: string, subtitle: Raw): Raw {
  return html`<div class="header">
    <div><h1>${typed(clinic.name)}</h1><div class="muted lines">${typed(clinic.address)}</div>
      <div class="muted">${[clinic.phone, clinic.email].filter(Boolean).map((text, i) => html`${i ? " · " : ""}${typed(text)}`)}</div></div>
    <div class="right"><h1>${en(title)}</h1><div>${subtitle}</div></div>
  </div>`;
}

/**
 * `text` as a CSS string: every character but a letter, a digit, a space and `.,:_-` written as its code point (`\22 `
 * for a quote, `\5c ` for a backslash, `\a ` for a line break), so no title ends the string, the rule or the style
 * (`</style>`) it is written in, and each prints as typed.
 */
const cssString = (text: string): string => `"${text.replace(/[^\p{L}\p{N} .,:_-]/gu, (c) => `\\${c.codePointAt(0)!.toString(16)} `)}"`;

/**
 * Every page's foot says which document it is of (its title: "Invoice INV-000001") and which page of how many, so a
 * page lost, or mixed with another invoice's, is seen (a page after the first said neither). It is a page-margin box of
 * the page's CSS (Chromium 131 and later, which the renderer asks for), printed in the bottom margin, right-aligned, at
 * its own font size; its words are English, as the documents' own are (`en`), whatever the page's language, and left to
 * right whatever its direction. Chromium leaves a margin box out of the PDF's tags, as it did the renderer's
 * `footerTemplate` the foot was printed with before, whose second layout of every page took about a sixth of each render.
 */
const pageFoot = (title: string): Raw =>
  raw(`<style>@page { @bottom-right { content: ${cssString(`${title} · page `)} counter(page) " of " counter(pages); font: 8pt "DejaVu Sans", Arial, sans-serif; color: #555; direction: ltr; unicode-bidi: isolate; } }</style>`);

/**
 * A document's page, in the clinic's language (`lang`, which Chromium writes as the PDF's `/Lang`): a screen reader
 * reading the PDF aloud follows it (with none, every PDF said en-US, and a German invoice was read out as English).
 */
function page(clinic: Json, title: string, body: Raw): string {
  return html`<!doctype html><html lang="${localeOf(clinic)}"><head><meta charset="utf-8"><title>${title}</title>${STYLE}${pageFoot(title)}</head><body>${body}</body></html>`.raw;
}

export function invoiceHtml(doc: Json): string {
  const { clinic, invoice, patient } = doc;
  const { money: m, rate, dateTime, number, wrappingMoney: figure } = formatsOf(clinic, invoice);
  return page(
    clinic,
    `Invoice ${invoice.code}`,
    html`${clinicHeader(clinic, `Invoice ${invoice.code}`, html`${en(invoice.status.replace("_", " "))} · ${isolated(dateTime(invoice.issuedAt ?? invoice.createdAt))}`)}
    <h2>${en("Bill to")}</h2>
    <div>${typed(patient.name)} (${patient.code})</div><div class="muted">${typed(patient.phone)}</div><div class="muted lines">${typed(patient.address)}</div>
    <h2>${en("Lines")}</h2>
    <table><thead><tr><th class="description">${en("Description")}</th><th class="right">${en("Qty")}</th><th class="right">${en("Unit price")}</th><th class="right">${en("Discount")}</th><th class="right">${en("Tax rate")}</th><th class="right">${en("Tax")}</th><th class="right">${en("Total")}</th></tr></thead>
      ${doc.lines.map((l: Json) => html`<tr><td class="description">${typed(l.description)}</td><td class="right">${number(l.quantity)}</td><td class="right">${figure(l.unitPrice)}</td>
        <td class="right">${figure(l.discount)}</td><td class="right">${rate(l.taxRate)}</td><td class="right">${figure(l.tax)}</td><td class="right">${figure(l.total)}</td></tr>`)}
    </table>
    <table class="totals">
      <tr><td class="right">${en("Subtotal")}</td><td class="right">${m(invoice.subtotal)}</td></tr>
      <tr><td class="right">${en("Discounts")}</td><td class="right">${m(invoice.discountTotal)}</td></tr>
      <tr><td class="right">${en("Tax")}</td><td class="right">${m(invoice.taxTotal)}</td></tr>
      <tr class="grand"><td class="right">${en("Total")}</td><td class="right">${m(invoice.total)}</td></tr>
      <tr><td class="right">${en("Paid")}</td><td class="right">${m(invoice.amountPaid)}</td></tr>
      <tr class="grand"><td class="right">${en("Balance due")}</td><td class="right">${m(invoice.balance)}</td></tr>
    </table>
    <h2>${en("Payments")}</h2>
    ${doc.payments.length === 0 ? html`<div class="muted">${en("No payments.")}</div>` : html`<table><thead><tr><th>${en("Payment (reference)")}</th><th>${en("Date")}</th><th>${en("Method")}</th><th class="right">${en("Amount")}</th></tr></thead>
      ${doc.payments.map((p: Json) => html`<tr><td><span class="nowrap">${p.code}${p.kind === "refund" ? html` ${en("(refund)")}` : ""}</span>${p.reference ? html`<div class="muted">${typed(p.reference)}</div>` : raw("")}</td>
        <td class="nowrap">${isolated(dateTime(p.at))}</td><td class="nowrap">${en(p.method.replace("_", " "))}</td><td class="right nowrap">${m(p.amount)}</td></tr>`)}</table>`}
    ${invoice.notes?.trim() ? html`<h2>${en("Notes")}</h2><div class="lines">${typed(invoice.notes)}</div>` : raw("")}
    ${invoice.voidReason ? html`<h2>${en("Void")}</h2><div>${typed(invoice.voidReason)}</div>` : raw("")}
    <div class="footer lines">${typed(clinic.footer)}</div>`,
  );
}

const METHODS = ["cash", "card", "bank_transfer", "mobile_money", "insurance"];

/**
 * A day's last close and last reopening, in the order they happened: a day reopened and closed again
 * was closed after it was reopened (the sheet said "Closed" above the earlier "Reopened").
 */
function dayHistory(d: Json): ("closed" | "reopened")[] {
  const steps = (["closed", "reopened"] as const).filter((step) => d[`${step}_at`]);
  return steps.sort((a, b) => Date.parse(d[`${a}_at`]) - Date.parse(d[`${b}_at`]));
}

export function reconciliationHtml(doc: Json): string {
  const { clinic } = doc;
  const d = doc.day ?? {};
  const { money: m, dateTime, day } = formatsOf(clinic);
  const expected = (method: string) => (doc.day ? d[`expected_${method}`] : doc.expected[method]);
  // each figure on one line (`nowrap`): a figure breaks after its minus sign ("-KWD 1" has no other place), and a day's
  // 17-digit shortage (numeric(20,3), 000367) printed "-" above "KWD 99,999,999,999,999,999.995" in the bold Total row
  return page(
    clinic,
    `Reconciliation ${doc.businessDate}`,
    html`${clinicHeader(clinic, "Daily reconciliation", html`${isolated(day(doc.businessDate))} · ${en(doc.day ? d.status : "not opened yet")}`)}
    <table><tr><th class="words">${en("Method")}</th><th class="right">${en("Expected")}</th><th class="right">${en("Counted")}</th><th class="right">${en("Difference")}</th></tr>
      ${METHODS.map((method) => {
        // a counted day's count left out is 0, as its totals count it: a close before 000102 kept it null, and its row
        // printed "—" beside totals that counted it (a total difference the rows' differences did not come to)
        const counted = d.counted_total == null ? null : (d[`counted_${method}`] ?? "0");
        return html`<tr><td class="words">${en(method.replace("_", " "))}</td><td class="right nowrap">${m(expected(method))}</td>
          <td class="right nowrap">${orDash(counted, m)}</td>
          <td class="right nowrap">${orDash(counted, () => m(difference(counted, expected(method))))}</td></tr>`;
      })}
      <tr><th class="words">${en("Total")}</th><th class="right nowrap">${m(sum(METHODS.map(expected)))}</th>
        <th class="right nowrap">${orDash(d.counted_total, m)}</th><th class="right nowrap">${orDash(d.difference, m)}</th></tr>
    </table>
    <h2>${en("Notes")}</h2><div class="lines">${typed(d.notes)}</div>
    ${dayHistory(d).map((step) => step === "closed" ? html`<div class="muted">${en("Closed")} ${isolated(dateTime(d.closed_at))}</div>` : html`<div class="muted lines">${en("Reopened")} ${isolated(dateTime(d.reopened_at))}: ${typed(d.reopen_reason)}</div>`)}
    <div><span class="sign">${en("Cashier")}</span> <span class="sign" style="margin-left: 8%">${en("Manager")}</span></div>`,
  );
}

/**
 * Characters of a bar's label before it is cut, with an ellipsis: 26 capitals of 10 px fit the labels' room
 * (LABEL_ROOM); a label of wider letters (Chinese, Japanese, a row of Ms) is clipped at the room's edge.
 */
const LABEL_CHARACTERS = 26;
/** The labels are drawn in a room of their own, which clips them: 26 capitals ran under bars that began at 150. */
const LABEL_ROOM = 200;
/** Where the bars begin, and the longest one's length. */
const BARS_X = 212;
const LONGEST_BAR = 260;
const GRAPHEMES = new Intl.Segmenter("en", { granularity: "grapheme" });
const fitted = (label: string) => {
  // characters as people see them: an emoji, a Devanagari syllable or a letter and its accent is not cut in two
  const characters = Array.from(GRAPHEMES.segment(label), (part) => part.segment);
  return characters.length > LABEL_CHARACTERS ? `${characters.slice(0, LABEL_CHARACTERS - 1).join("")}…` : label;
};

/** Bars of what was taken, and of days and methods where more was refunded than taken. */
const BAR_COLOUR = "#4a78b5";
const NEGATIVE_BAR_COLOUR = "#c0392b";

/**
 * A horizontal bar chart as inline SVG. A negative value's bar is red, and the chart says what red
 * means (a day of refunds was drawn as a day of takings, in blue); a label too long to fit left of the
 * bars is cut (it ran under them), whole in the bar's title. Each label is laid out in its own direction (`unicode-bidi:
 * plaintext`, as `isolated` does in the text): an Arabic day's label printed "042026/12/". Labels that are words of ours (a tender, a visit's status)
 * are marked English (`english`), as `en` marks them in the text; a day or a service's name is in the clinic's language.
 */
function barChart(items: { label: string; value: unknown }[], format: (v: unknown) => string, { none, english = false }: { none?: string; english?: boolean } = {}): Raw {
  // nothing to draw: said, where a blank under the heading looked like a chart that failed to print (the days' chart
  // has every day of the month, however little happened)
  if (items.length === 0 && none) return html`<div class="muted">${en(none)}</div>`;
  // the page's width inside its margins (A4 less 12 mm a side, 703 px): right of the longest bar (ending at 472) a
  // figure has room for 35 characters, and the widest amount (-INR 1,00,00,00,00,00,000.00) takes 27; at 520 the
  // figure was cut at the chart's edge, a month's 1,234,567,890 rupiah printed "IDR 1.234.567.890,0"
  const width = 700;
  const row = 20;
  // the bars' lengths only are drawn from numbers; each bar's figure is printed from its text
  const max = Math.max(1, ...items.map((i) => Math.abs(Number(i.value))));
  const height = Math.max(row, items.length * row);
  const negative = items.some((item) => Number(item.value) < 0);
  const lang = raw(english ? ' lang="en"' : "");
  return html`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
    <svg width="${LABEL_ROOM}" height="${height}">
      ${items.map((item, i) => html`<text${lang} x="0" y="${i * row + 14}" font-size="10" style="unicode-bidi: plaintext">${fitted(item.label)}</text>`)}
    </svg>
    ${items.map((item, i) => {
      const w = Math.round((Math.abs(Number(item.value)) / max) * LONGEST_BAR);
      return html`<rect x="${BARS_X}" y="${i * row + 4}" width="${w}" height="12" fill="${Number(item.value) < 0 ? NEGATIVE_BAR_COLOUR : BAR_COLOUR}"><title${lang}>${item.label}</title></rect>
        <text x="${BARS_X + w + 6}" y="${i * row + 14}" font-size="10" style="unicode-bidi: plaintext">${format(item.value)}</text>`;
    })}
  </svg>${negative ? html`<div class="muted">${en("Red: more refunded than taken.")}</div>` : raw("")}`;
}

export function monthlySummaryHtml(doc: Json): string {
  const { clinic, figures } = doc;
  const { money: m, day, number } = formatsOf(clinic);
  return page(
    clinic,
    `Monthly summary ${String(doc.fromDate).slice(0, 7)}`, // of the month, on every page's foot ("Summary 2026-12-01" read as of a day)
    html`${clinicHeader(clinic, "Monthly summary", html`${isolated(day(doc.fromDate))} – ${isolated(day(doc.toDate))}`)}
    <table class="totals">
      <tr class="grand"><td>${en("Revenue (net of refunds)")}</td><td class="right">${m(figures.revenue)}</td></tr>
      <tr><td>${en("New patients")}</td><td class="right">${number(figures.new_patients)}</td></tr>
      <tr><td>${en("Average visit value")}</td><td class="right">${orDash(figures.average_visit_value, m)}</td></tr>
      <tr><td>${en("Outstanding balance (now)")}</td><td class="right">${m(figures.outstanding_balance)}</td></tr>
    </table>
    <section class="chart"><h2>${en("Revenue per day")}</h2>
    ${barChart(figures.revenue_by_day.map((r: Json) => ({ label: day(r.date), value: r.amount })), m)}</section>
    <section class="chart"><h2>${en("Revenue per method")}</h2>
    ${barChart(figures.revenue_by_method.map((r: Json) => ({ label: String(r.method).replace("_", " "), value: r.amount })), m, { none: "No payments or refunds in this month.", english: true })}</section>
    <section class="chart"><h2>${en("Visits per status")}</h2>
    ${barChart(figures.visits_by_status.map((r: Json) => ({ label: String(r.status).replace("_", " "), value: r.count })), number, { none: "No visits in this month.", english: true })}</section>
    <section class="chart"><h2>${en("Top services")}</h2>
    ${barChart(figures.top_services.map((r: Json) => ({ label: r.name, value: r.amount })), m, { none: "No services billed in this month." })}</section>`,
  );
}
