/**
 * The text of a tagged PDF (Chromium's) with the language its structure tree gives each piece: an element's `/Lang`,
 * else its nearest ancestor's. The tree and its text are poppler's (`pdfinfo -struct-text`), which prints no languages;
 * the languages are read from the PDF's structure elements (Chromium writes them uncompressed), walked in the same order.
 */
import { execFileSync } from "node:child_process";

interface Element {
  type: string;
  lang?: string;
  children: number[];
}

/** The PDF's structure elements by object number, and the document's (the root's only child). */
function structureElements(pdf: string): { elements: Map<number, Element>; document: number } {
  const elements = new Map<number, Element>();
  for (const [, number, body] of pdf.matchAll(/(\d+) 0 obj\s*<<\/Type \/StructElem(.*?)>>\s*endobj/gs)) {
    const kids = /\/K (\[[^\]]*\]|\d+ 0 R|\d+)/.exec(body)?.[1] ?? "";
    elements.set(Number(number), {
      type: /\/S \/(\w+)/.exec(body)![1],
      lang: /\/Lang \(([^)]*)\)/.exec(body)?.[1],
      children: [...kids.matchAll(/(\d+) 0 R/g)].map((kid) => Number(kid[1])),
    });
  }
  const document = [...elements].find(([, element]) => element.type === "Document")![0];
  return { elements, document };
}

/** Each piece of text of the PDF, in reading order, with its language. */
export function textLanguages(pdf: Uint8Array): { text: string; lang: string | undefined }[] {
  const { elements, document } = structureElements(Buffer.from(pdf).toString("latin1"));
  // the elements in the order poppler prints them (depth first), each with the language it is in
  const ordered: { type: string; lang: string | undefined }[] = [];
  const walk = (number: number, inherited: string | undefined) => {
    const element = elements.get(number)!;
    const lang = element.lang ?? inherited;
    ordered.push({ type: element.type, lang });
    for (const child of element.children) walk(child, lang);
  };
  walk(document, undefined);
  const printed = execFileSync("pdfinfo", ["-struct-text", "-"], { input: pdf, encoding: "utf8" }).split("\n");
  const pieces: { text: string; lang: string | undefined }[] = [];
  let index = -1;
  for (const line of printed) {
    const element = /^ *([A-Za-z]\w*)(?: \(\w+\))?(?: <[^>]*>)?:?$/.exec(line);
    if (element) {
      index += 1;
      if (ordered[index]?.type !== element[1]) throw new Error(`structure element ${index} is ${ordered[index]?.type} in the PDF, ${element[1]} in pdfinfo's tree`);
    } else if (/^ *"/.test(line)) {
      pieces.push({ text: line.trim().slice(1, -1), lang: ordered[index].lang });
    } else if (pieces.length && !/^ *\//.test(line) && line.trim()) {
      pieces[pieces.length - 1].text += `\n${line.replace(/"$/, "")}`; // a text of several lines
    }
  }
  if (index + 1 !== ordered.length) throw new Error(`${ordered.length} structure elements in the PDF, ${index + 1} in pdfinfo's tree`);
  return pieces;
}
