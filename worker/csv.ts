/** RFC 4180 CSV: fields quoted when they hold a comma, quote, CR or LF; quotes doubled; CRLF line ends. */
export function csvField(text: string | null): string {
  if (text === null) return "";
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: (string | null)[]): string {
  return `${values.map(csvField).join(",")}\r\n`;
}
