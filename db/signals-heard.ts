/**
 * Resolves once the event loop has run the handlers of any signal already delivered to this process, for a failure
 * to be judged (a stop's doing, or an error to report) only then. libuv runs signal handlers after the other I/O
 * ready with them (uv__io_poll: "Run signal watchers last"), and that I/O may be the signal's own doing: a signal sent
 * to PostgreSQL as well (an operator's `kill` of both, a supervisor's stop of every process of a service; the embedded
 * server runs in a session of its own, out of reach of the terminal's Ctrl-C), whose answer (a connection ended, a
 * query cancelled) can be read before this process hears its own signal. The kernel may also give the signal to
 * another of the process's threads (any thread not blocking it takes it), whose handler writes it into the loop's pipe
 * only once that thread runs: on a busy machine, after the loop's next two turns (CI, twice: the Ctrl-C's error printed
 * with its stack and 1). A quarter of a second of the loop's turns hears it; a failure to report waits that long.
 * The wait ends in a check phase, after a poll: a process the machine did not run for longer than the wait (a busy CI)
 * had its timer due when the loop next ran its timers, before the loop's next poll read a signal delivered long before.
 */
const SIGNALS_HEARD_MS = 250;
/** Resolves once the signals already delivered to this process have been heard (their listeners run). */
export const signalsHeard = () => new Promise<void>((resolve) => setTimeout(() => setImmediate(resolve), SIGNALS_HEARD_MS));

/**
 * An error heard by no one (a rejection no one awaits, or an 'error' event without a listener: a pg client's
 * connection ended between two queries) ends the process with 1 and its stack, as node does, unless, once the
 * signals are heard, `stopped()` says a stop caused it: then it is `stopsError`'s, and the stop ends the process.
 * Node's own end came first, before the stop's signal was heard: a stack, and 1, for a Ctrl-C.
 */
export function judgeUnheardErrorsAfterSignals(stopped: () => boolean, stopsError: (error: unknown) => void): void {
  process.on("uncaughtException", async (error) => {
    await signalsHeard();
    if (stopped()) return stopsError(error);
    console.error(error);
    process.exit(1);
  });
}
