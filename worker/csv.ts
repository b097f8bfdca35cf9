/**
 * RFC 4180 CSV: fields quoted when they hold a comma, quote, CR or LF; quotes doubled; CRLF line ends.
 * A semicolon or a tab is quoted too: a spreadsheet whose list separator is `;` (much of Europe and Latin
 * America), LibreOffice (which splits at `,`, `;` and tabs unless told otherwise) or Excel's text import
 * (tabs) splits an unquoted `x;=cmd…` or `x<tab>=cmd…` into two cells, the second a formula
 * app_private.csv_safe never saw at a cell's start.
 */
function csvField(text: string | null): string {
  if (text === null) return "";
  return /[",;\t\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: (string | null)[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}
