/**
 * Streams a file on disk as the answer to a download, without buffering it.
 *
 * The file is opened before anything is answered: a file that is gone is
 * reported to the caller (false), which answers as it sees fit. A read that
 * fails before a byte has gone out becomes an internal error with a reference
 * (the download's own headers taken back); one that fails later cuts the
 * connection, so the client sees a download short of its Content-Length
 * rather than a complete-looking one. Either way the process carries on: the
 * read stream's errors are heard, where an unheard one ended the server. A
 * download the client abandons closes the file at once.
 */
import { open } from "node:fs/promises";
import type { Response } from "express";
import { reportInternalError } from "./errors.ts";
import { sendCaughtError } from "./http-errors.ts";

export async function streamFile(res: Response, path: string, setHeaders: (size: number) => void): Promise<boolean> {
  const handle = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (!handle) return false;
  let size: number;
  try {
    ({ size } = await handle.stat());
  } catch (error) {
    await handle.close();
    throw error;
  }
  const stream = handle.createReadStream(); // closes the file when it ends, fails or is destroyed
  const before = new Set(res.getHeaderNames());
  setHeaders(size);
  const added = res.getHeaderNames().filter((name) => !before.has(name));
  stream.on("error", (error) => {
    if (res.headersSent) {
      reportInternalError(error);
      res.destroy();
      return;
    }
    for (const name of added) res.removeHeader(name);
    sendCaughtError(res, error);
  });
  res.on("close", () => stream.destroy());
  stream.pipe(res);
  return true;
}
