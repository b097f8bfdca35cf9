/**
 * The README and the docs link to each other's sections: a link whose heading was renamed or removed
 * leads a reader to the top of the page, not to what it promised (five links to auth.md's
 * "Invitations" did, once that heading had been turned into another section's).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { projectPath } from "../../db/paths.ts";
import { docPages as pages } from "../support/doc-pages.ts";

/** A page's text outside its code blocks, where `](…)` and `# …` are code, not links and headings. */
const prose = (page: string) => readFileSync(page, "utf8").replace(/```[\s\S]*?```/g, "");

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces made hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

const anchorsOf = (page: string) => new Set([...prose(page).matchAll(/^#{1,6} +(.+?) *#*$/gm)].map(([, heading]) => anchorOf(heading)));

test("every link of the README and the docs to a file of the project, and to a section of a page, finds it", () => {
  const broken: string[] = [];
  for (const page of pages) {
    for (const [, target] of prose(page).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue; // another site's
      const [path, anchor] = target.split("#");
      const file = path ? resolve(dirname(page), path) : page;
      const where = `${relative(projectPath(), page)}: ${target}`;
      if (!existsSync(file)) broken.push(`${where} (no such file)`);
      else if (anchor !== undefined && file.endsWith(".md") && !anchorsOf(file).has(anchor)) broken.push(`${where} (no such heading)`);
    }
  }
  expect(broken).toEqual([]);
});
