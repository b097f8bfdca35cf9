/**
 * HTML to PDF with one Chromium reused across jobs and a fresh browser context
 * per document (prepared one document ahead). Pages may load nothing from the network: every request other
 * than the document itself and data: URLs is refused (and reported), so a
 * hostile value cannot fetch a URL or leak patient data. A render that hangs
 * times out (PDF_RENDER_TIMEOUT_MS, 20 s by default) and its own context is closed; the browser is replaced
 * only when it does not then answer (stuck), so other clinics' renders running in it go on.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser, type BrowserContext, type Page, TimeoutError } from "puppeteer-core";
import { pdfRenderTimeoutMs } from "../../db/config.ts";
import { withinTime } from "../../db/deadline.ts";

// Chromium's old headless shell first: without the full browser's layers it
// renders 16 invoices/s where the full browser renders 6–7 (two cores).
const CANDIDATES = [
  "/usr/bin/chromium-headless-shell",
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/** No browser to print with: the operator's to fix (the message says how), not the export's. */
export class NoBrowser extends Error {}

/** The browser to use: CHROMIUM_PATH, else the system's headless shell, Chromium or Chrome. */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): string {
  // a browser named but not there is an error, not a quiet fall back to another one
  if (env.CHROMIUM_PATH && !existsSync(env.CHROMIUM_PATH)) {
    throw new NoBrowser(`CHROMIUM_PATH is ${env.CHROMIUM_PATH}, which does not exist: point it at a Chrome or Chromium executable, or unset it to use the system's.`);
  }
  const found = [env.CHROMIUM_PATH, ...CANDIDATES].find((path) => path && existsSync(path));
  if (!found) {
    throw new NoBrowser(
      "No Chromium found for PDF exports: install Debian's chromium-headless-shell or chromium " +
        "(apt-get install chromium-headless-shell), or point CHROMIUM_PATH at a Chrome or Chromium executable.",
    );
  }
  return found;
}

/**
 * The oldest Chromium that prints the pages' foot: a CSS page-margin box (templates.ts's `pageFoot`), which an older one
 * leaves out without a word, every page of every PDF printed without it.
 */
export const OLDEST_CHROMIUM = 131;

/**
 * The browser's version ("HeadlessChrome/156.0.8078.129"), asked of it now, over a CDP session of its own: puppeteer's
 * Browser.version() keeps the browser's first answer and gives it ever after, from a browser stuck since too (the launch's
 * check, and closeTimedOut's check that a browser still answers).
 */
async function askedVersion(b: Browser): Promise<string> {
  const session = await b.target().createCDPSession();
  try {
    return (await session.send("Browser.getVersion")).product;
  } finally {
    void session.detach().catch(() => {});
  }
}

/**
 * The launched browser, refused (NoBrowser naming the version needed: launch closes it) when it is older than
 * OLDEST_CHROMIUM: `product` is its Browser.getVersion's ("HeadlessChrome/156.0.8078.129", "Chrome/130.0.6723.58").
 */
async function refuseTooOld(started: Browser, executablePath: string): Promise<void> {
  const product = await askedVersion(started);
  const major = Number(/\/(\d+)\./.exec(product)?.[1]);
  if (major >= OLDEST_CHROMIUM) return;
  throw new NoBrowser(
    `${executablePath} is ${product}: PDF exports need Chromium ${OLDEST_CHROMIUM} or later, which prints each page's foot ` +
      "(an older one leaves it out). Upgrade it (apt-get install chromium-headless-shell), or point CHROMIUM_PATH at a newer Chrome or Chromium executable.",
  );
}

/** The headless shell takes the old `--headless` switch; a full browser runs its new headless mode. */
export const headlessMode = (executablePath: string): true | "shell" => (/headless[-_]shell/.test(executablePath) ? "shell" : true);

let browser: Promise<Browser> | null = null;
/** Kills the browser being launched (and, once launched, the browser): closeBrowser's, while `launchedBrowser` is null. */
let launchAbort: AbortController | null = null;
/** The shared browser once it has started (null while it is starting, and once it is closed). */
let launchedBrowser: Browser | null = null;

/** Each browser's profile: `clinicops-chromium-<worker's pid>-…` in the system's temporary folder. */
const PROFILE_PREFIX = "clinicops-chromium-";
const PROFILE_OF_PROCESS = new RegExp(`^${PROFILE_PREFIX}(\\d+)-`);
/** The profiles this process made and has not removed yet. */
const profilesMade = new Set<string>();

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // another user's process
  }
};

/**
 * Removes the browser profiles in the temporary folder of worker processes no longer running: a worker killed
 * outright (SIGKILL, out of memory) takes its browser with it, over the pipe, but left its profile
 * (about 1.2 MB, no patient data) in the temporary folder for good. Answers the folders removed.
 */
export function sweepDeadProfiles(): string[] {
  const folder = tmpdir();
  const dead = readdirSync(folder).filter((name) => {
    const pid = PROFILE_OF_PROCESS.exec(name)?.[1];
    if (pid === undefined) return false;
    // this process's pid on a profile it did not make: an earlier process's of that pid (a container's worker
    // has the same pid at every restart, its /tmp kept), which the sweep kept for good as this one's
    return Number(pid) === process.pid ? !profilesMade.has(join(folder, name)) : !isAlive(Number(pid));
  });
  const removed: string[] = [];
  for (const name of dead) {
    try {
      rmSync(join(folder, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // another account's, say: left as it is, the next launch tries again
    }
  }
  return removed;
}

function launch(): Promise<Browser> {
  const executablePath = findBrowser();
  try {
    sweepDeadProfiles();
  } catch {
    // a temporary folder that cannot be listed: the profiles left there are not this launch's to fail on
  }
  // a profile of its own, named for this process, removed once the browser has exited (puppeteer's own
  // temporary profile stayed behind a worker killed outright, unnamed)
  const userDataDir = mkdtempSync(join(tmpdir(), `${PROFILE_PREFIX}${process.pid}-`));
  profilesMade.add(userDataDir);
  const removeProfile = () => {
    try {
      rmSync(userDataDir, { recursive: true, force: true });
    } catch {
      // still written to by a browser on its way out, say: the next launch's sweep removes it
    } finally {
      profilesMade.delete(userDataDir);
    }
  };
  const abort = new AbortController();
  launchAbort = abort;
  launchedBrowser = null;
  const starting = puppeteer.launch({
    signal: abort.signal,
    executablePath,
    userDataDir,
    headless: headlessMode(executablePath),
    // puppeteer's own handlers killed Chromium under a running PDF and ended the process (130 on
    // Ctrl-C) before the worker had stopped: the browser is closed by stopWorker instead
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    // over a pipe, not a websocket: a worker killed outright (SIGKILL, out of memory) closes it, and
    // Chromium ends with it, where it ran on, a browser more at every crash
    pipe: true,
    args: [
      "--no-sandbox", // as root in containers; pages run no script and load nothing (below)
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  void starting.then((started) => {
    if (launchAbort === abort) launchedBrowser = started;
    const child = started.process();
    // the pipes puppeteer speaks over (the 4th and 5th) to a browser killed with calls unread (a stuck one) fail, "read
    // ECONNRESET", at times only once puppeteer has let go of the browser and stopped listening to them: unheard, the
    // error ended the worker's process, and every job it ran. The browser's end is seen by its exit and its connection's close.
    for (const pipe of child?.stdio.slice(3) ?? []) pipe?.on("error", () => {});
    if (child && child.exitCode === null && child.signalCode === null) child.once("exit", removeProfile);
    else removeProfile();
  }, removeProfile);
  // a browser too old, or whose version could not be asked, is closed, and its launch failed: dropped as any other
  // (launchShared), tried again at the next render. One whose check failed was dropped, not closed: each render
  // launched another, and all ran on until the worker's process ended
  return starting.then(async (started) => {
    try {
      await refuseTooOld(started, executablePath);
    } catch (error) {
      await started.close().catch(() => {});
      throw error;
    }
    return started;
  });
}

/**
 * Launches the worker's shared browser, dropped if its launch fails, so that the next render launches again: a
 * failed launch (a browser that exited at once: out of memory, its binary replaced by an upgrade) was kept, and
 * every render of the worker's life failed with it, every PDF export after its three attempts, until a restart.
 */
function launchShared(): Promise<Browser> {
  const launching = launch();
  browser = launching;
  launching.catch(() => {
    if (browser === launching) browser = null;
  });
  return launching;
}

/**
 * Whether a browser still runs: connected, and its process not exited (a browser killed is seen by its process's exit
 * before its pipe's end is read, and a render between the two failed on it, "Target closed").
 */
function running(b: Browser): boolean {
  const child = b.process();
  return b.connected && (!child || (child.exitCode === null && child.signalCode === null));
}

async function sharedBrowser(): Promise<Browser> {
  const launching = browser ?? launchShared();
  const b = await launching;
  if (running(b)) return b;
  // crashed or exited since: launched again once, by the first render to find it so (renders at once each launched
  // one, and all but the last ran on, never closed, until the worker's process ended)
  return browser === launching ? launchShared() : (browser ?? launchShared());
}

export interface RenderResult {
  pdf: Uint8Array;
  /** URLs the document tried to load and was refused. */
  blocked: string[];
}

interface FreshPage {
  context: BrowserContext;
  page: Page;
  /** URLs the page tried to load and was refused. */
  blocked: string[];
}

/** A new context with one locked-down page: no JavaScript, every request intercepted. */
async function freshPage(): Promise<FreshPage> {
  const context = await (await sharedBrowser()).createBrowserContext();
  const page = await context.newPage();
  const blocked: string[] = [];
  // In place before interception starts: an intercepted request that nobody
  // answers would keep the page from ever loading.
  page.on("request", (request) => {
    const url = request.url();
    if (url.startsWith("data:") || url === "about:blank") {
      void request.continue();
    } else {
      blocked.push(url);
      void request.abort("blockedbyclient");
    }
  });
  await page.setJavaScriptEnabled(false);
  await page.setRequestInterception(true);
  return { context, page, blocked };
}

// Opening a page costs most of a render (a new renderer process), so the next
// document's context is prepared while the current one renders. Each document
// still gets a context of its own, used once and closed.
let prepared: Promise<FreshPage> | null = null;

async function takeFreshPage(): Promise<FreshPage> {
  const ready = prepared;
  const making = freshPage();
  prepared = making;
  // dropped if it fails, and only if it is still the one prepared: one in a browser killed as stuck failed once the
  // next render had prepared another in the new browser, and dropped that one, its context open for that browser's life
  making.catch(() => {
    if (prepared === making) prepared = null;
  });
  const page = ready && (await ready.catch(() => null));
  // one prepared in a browser that has crashed or exited since (or whose making failed with it) is not used: the
  // render took it and failed, an attempt of the next PDF export lost after every crash
  return page && running(page.context.browser()) ? page : freshPage();
}

/** Resolves once the page prepared for the next document is ready, or has failed (tests). */
export async function nextPageReady(): Promise<void> {
  await prepared?.catch(() => {});
}

/** A render that took longer than its time limit (its context is closed; the browser is replaced if stuck). */
export class PdfRenderTimeout extends Error {}

/** After a failed render, the page prepared meanwhile is not used: the retry starts from a new one. */
function discardPreparedPage(): void {
  const stale = prepared;
  prepared = null;
  void stale?.then(({ context }) => context.close()).catch(() => {});
}

/** How long a browser has, after a render timed out, to close that render's context and then answer, before it is taken for stuck. */
const BROWSER_ANSWER_MS = 5_000;

/**
 * After a render timed out: its own context is closed (its page, and the renderer process of its own, with it), and the
 * browser is replaced only when it does not close it, or then answer, within BROWSER_ANSWER_MS. The browser was
 * closed at every timeout, and the other renders running in it at that moment (other clinics' PDFs) failed with it:
 * one clinic's invoice too long to print in time failed them again at each of its attempts.
 */
async function closeTimedOut(context: BrowserContext | undefined): Promise<void> {
  const shared = browser;
  const own = context?.browser();
  const answers = async () => {
    await context?.close();
    // no context yet (the browser still starting, or not making one): the browser the render was waiting for
    // asked now (askedVersion): Browser.version()'s answer, kept from the first time, took a browser stuck since for one
    // that answers, kept it, and every render after timed out in it until the worker restarted
    const b = own ?? (await shared);
    if (b) await askedVersion(b);
  };
  const stuck = await withinTime(BROWSER_ANSWER_MS, answers(), () => new Error("the browser did not answer")).then(
    () => false,
    () => true,
  );
  // replaced once, and only while it is still the shared browser: one another render found stuck first is replaced
  // already, and the browser launched since for the next render is not this render's to close (it was, its renders
  // failing with it, when this render's context was still the old one's)
  const stillShared = own ? own === launchedBrowser : shared !== null && browser === shared;
  if (stuck && stillShared) void closeBrowser().catch(() => {});
}

export async function renderPdf(html: string, timeoutMs = pdfRenderTimeoutMs()): Promise<RenderResult> {
  let context: BrowserContext | undefined;
  const render = async (): Promise<RenderResult> => {
    const fresh = await takeFreshPage();
    context = fresh.context;
    const { page, blocked } = fresh;
    page.setDefaultTimeout(timeoutMs);
    await page.setContent(html, { waitUntil: "load", timeout: timeoutMs });
    const pdf = await page.pdf({
      format: "A4",
      printBackground: true,
      // the page's foot is the document's own (a margin box of its CSS, templates.ts's `pageFoot`), printed in its
      // bottom margin: Chromium's footerTemplate laid every page out a second time (2.3 renders a second against 2.7 without)
      margin: { top: "15mm", bottom: "15mm", left: "12mm", right: "12mm" },
      timeout: timeoutMs,
    });
    return { pdf, blocked };
  };
  const rendering = render();
  try {
    // Puppeteer's own timeouts do not cover every step (a stuck page, a browser that stops answering).
    return await withinTime(timeoutMs, rendering, () => new PdfRenderTimeout(`The PDF render timed out after ${timeoutMs} ms.`));
  } catch (error) {
    discardPreparedPage();
    // its own page is closed at once, not left rendering; the browser is replaced only if it is stuck (puppeteer's
    // timeouts are its own clock's, and fire whether or not the browser answers)
    if (error instanceof PdfRenderTimeout || error instanceof TimeoutError) await closeTimedOut(context);
    throw error;
  } finally {
    // the context is closed once the render has settled, whichever way (one made after the timeout too)
    void rendering.finally(() => context?.close().catch(() => {})).catch(() => {});
  }
}

/** How many browser contexts the shared browser holds open, its default one included (diagnostics, tests). */
export async function openContexts(): Promise<number> {
  return browser ? (await browser).browserContexts().length : 0;
}

/** The shared browser's process id, if it is running (diagnostics, tests). */
export async function browserProcessId(): Promise<number | undefined> {
  return browser ? (await browser).process()?.pid : undefined;
}

/** Closes the shared browser (worker shutdown, a browser stuck after a render timed out, tests); kills it if it does not close in `killAfterMs`. */
export async function closeBrowser(killAfterMs = 5_000): Promise<void> {
  const closing = browser;
  const abort = launchAbort;
  const launched = launchedBrowser;
  browser = null;
  launchAbort = null;
  launchedBrowser = null;
  prepared = null;
  if (!closing) return;
  if (!launched) {
    // a browser still starting has nothing to close gracefully, and waiting for it held the worker's stop past its
    // grace for as long as the start took (a minute, for a browser that hung): it is killed
    abort?.abort();
    await closing.catch(() => {});
    return;
  }
  // the browser launched, not the shared one's promise: that waits for the launch's version check too, which a browser
  // stuck since its launch never answers, and closing it waited for ever, the stuck browser never killed. One refused
  // as too old is closed already (closed again: nothing is done)
  const b = launched;
  // the browser runs in a process group of its own (puppeteer starts it detached): kill all of it
  const pid = b.process()?.pid;
  let killed = false;
  const kill = setTimeout(() => {
    killed = true;
    try {
      if (pid) process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, killAfterMs);
  try {
    await b.close();
  } catch (error) {
    if (!killed) throw error; // a close cut short by the kill is the close asked for
  } finally {
    clearTimeout(kill);
  }
}
