/**
 * Downloads of files on disk, streamed without buffering them.
 *
 * The file is opened first (openForDownload), before anything is answered or
 * recorded as sent: a file that is gone is null, and the caller answers as it
 * sees fit. Streaming it (streamDownload), a read that fails before a byte has
 * gone out becomes an internal error with a reference (the download's own
 * headers taken back); one that fails later cuts the connection, so the client
 * sees a download short of its Content-Length rather than a complete-looking
 * one. Either way the process carries on: the read stream's errors are heard,
 * where an unheard one ended the server. A download the client abandons closes
 * the file at once, and so does one that stalls: a download that sends nothing
 * for DOWNLOAD_STALL_MS (its client reads nothing, its window shut, or it is gone
 * without a word) is cut, as every answer is (server/app.ts, cutStalledAnswers).
 * The answer says whether the whole file was sent.
 */
import { type FileHandle, open } from "node:fs/promises";
import type { Response } from "express";
import { reportInternalError } from "./errors.ts";
import { sendCaughtError } from "./http-errors.ts";

/** A file opened for a download, and its size. */
export interface OpenedFile {
  handle: FileHandle;
  size: number;
}

/** The file at `path`, opened, or null when it is gone. */
export async function openForDownload(path: string): Promise<OpenedFile | null> {
  const handle = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw error;
  });
  if (!handle) return null;
  try {
    return { handle, size: (await handle.stat()).size };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * Answers with `file`, after the headers `setHeaders` sets for its size; the file is closed when it ends, fails, or
 * is abandoned or cut (a stalled answer is). Resolves, once the answer has ended, to whether the whole file went out
 * (to the connection: what the client then did with it is its own).
 */
export function streamDownload(res: Response, { handle, size }: OpenedFile, setHeaders: (size: number) => void): Promise<boolean> {
  // the client left while the file was being opened: its close will not come again
  if (res.destroyed) return handle.close().then(() => false);
  // a client that stopped reading kept the connection, the open file and the download unended for as long as it liked:
  // the app cuts an answer that sends nothing for DOWNLOAD_STALL_MS (cutStalledAnswers), and its close closes the file.
  // Node counts as activity any part of a write the kernel takes, which it does each time the client has freed about a
  // third of the send buffer: a slow client that reads that much within that time is not cut (docs/exports.md)
  let failed = false; // a read failed: an answer may still end as planned (a 500), without the file
  const ended = new Promise<boolean>((resolve) => res.on("close", () => resolve(!failed && res.writableFinished)));
  // closes the file when it ends, fails or is destroyed; reads the size announced, no more, so the answer
  // ends with its last byte: read to the file's end, it waited for one more read, a client that had its
  // Content-Length closed meanwhile, and the complete download was logged as request_cut_short
  if (size === 0) {
    // nothing announced, nothing read: a file grown since its size was read sent bytes past Content-Length 0
    setHeaders(0);
    res.end();
    return handle.close().then(() => ended);
  }
  const stream = handle.createReadStream({ start: 0, end: size - 1 });
  const before = new Set(res.getHeaderNames());
  setHeaders(size);
  const added = res.getHeaderNames().filter((name) => !before.has(name));
  stream.on("error", (error) => {
    failed = true;
    if (res.headersSent) {
      reportInternalError(error);
      res.destroy();
      return;
    }
    for (const name of added) res.removeHeader(name);
    sendCaughtError(res, error);
  });
  res.on("close", () => stream.destroy());
  // a file shrunk since its size was read ends short: cut, as a failed read is, not a complete-looking answer
  stream.on("end", () => {
    if (stream.bytesRead < size) res.destroy();
  });
  stream.pipe(res);
  return ended;
}
