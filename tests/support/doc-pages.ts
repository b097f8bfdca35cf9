/** The pages a reader is given: the README and every page under docs/ and db/ (CONVENTIONS.md). */
import { readdirSync } from "node:fs";
import { projectPath } from "../../db/paths.ts";

export const docPages = [
  projectPath("README.md"),
  ...["docs", "db"].flatMap((folder) =>
    readdirSync(projectPath(folder), { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".md"))
      .map((file) => projectPath(folder, file)),
  ),
];
