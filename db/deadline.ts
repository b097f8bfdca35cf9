/**
 * `work`, or the error `late()` makes once `ms` have passed without it: for what no timeout of its own
 * covers (a database frozen under a connection, where statement_timeout cannot fire; a browser that
 * stops answering). The work goes on; its failure after the deadline is no one's to hear.
 */
export function withinTime<T>(ms: number, work: Promise<T>, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  work.catch(() => {});
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
