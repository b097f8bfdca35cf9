/**
 * The live queue's listening connection names no channel where the API's login role reads it.
 *
 * PostGraphile's PgSubscriber says `LISTEN "clinicops:visits:…"` and `UNLISTEN "…"` as statements of their own, and
 * pg_stat_activity shows a connection's last statement to every session of the same login role: whoever held the
 * API's database password (the authenticator's), with no session, read there the secret channel (000092) of every
 * clinic and doctor as their queues were subscribed to, listened on it and could notify its subscribers. Its
 * connection here says them as `select app_hidden.listen_on($1, $2)`, the channel a parameter, which pg_stat_activity
 * does not show. It sends nothing else: any other statement fails (its subscriptions then end, UNAVAILABLE), should a
 * new PgSubscriber send one, never passed on as it is.
 */
import type pg from "pg";
import { PgSubscriber } from "postgraphile/@dataplan/pg/adaptors/pg";

/** A statement PgSubscriber sends (pg's escapeIdentifier quotes the channel, doubling its quotes). */
const SENT = /^(LISTEN|UNLISTEN) "((?:[^"]|"")*)"$/s;

/** The channels each listening connection (by its backend's pid) listens on, as this process told it to. */
const channelsOf = new Map<number, Set<string>>();

/** The pid of this process's listening connection that listens on `channel`, if one does (what the tests look at). */
export function listenerOn(channel: string): number | undefined {
  return [...channelsOf].find(([, channels]) => channels.has(channel))?.[0];
}

/** `client`, as PgSubscriber uses it, saying LISTEN and UNLISTEN through app_hidden.listen_on. */
function quietly(client: pg.PoolClient): pg.PoolClient {
  const pid = (client as unknown as { processID: number }).processID;
  const channels = new Set<string>();
  const query = async (text: unknown) => {
    const sent = typeof text === "string" ? SENT.exec(text) : null;
    if (!sent) throw new Error("The live queue's listening connection sends LISTEN and UNLISTEN alone (server/listening-connection.ts).");
    const [, verb, quoted] = sent;
    const channel = quoted.replaceAll('""', '"');
    const result = await client.query({ text: "select app_hidden.listen_on($1, $2)", values: [channel, verb === "LISTEN"] });
    if (verb === "LISTEN") channelsOf.set(pid, channels.add(channel));
    else channels.delete(channel);
    return result;
  };
  const release = (error?: Error | boolean) => {
    if (channelsOf.get(pid) === channels) channelsOf.delete(pid);
    client.release(error);
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === "query") return query;
      if (property === "release") return release;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * PgSubscriber, which ends every subscription of a lost listening connection, each of every channel. Its own walks a
 * channel's list of subscriptions and throws into each, and each one's throw takes it out of that list at once (the
 * last one of the channel unlistening it): the one after it moved into its place, and was skipped. So every other
 * subscription of a channel (the second desk of a clinic, its fourth…) was told nothing, left out of the channels
 * listened to once a connection came back, and went on deaf, hearing nothing until a desk of its clinic subscribed again,
 * and missing what changed meanwhile. Here each throw takes its subscription out once the walk is done.
 */
class EveryOneEndedPgSubscriber extends PgSubscriber {
  override subscribe<Topic extends string | number>(topic: Topic): AsyncIterableIterator<string> {
    const subscription = super.subscribe(topic);
    const end = subscription.throw!.bind(subscription); // PgSubscriber's subscriptions have one
    subscription.throw = async (error?: unknown) => {
      await Promise.resolve(); // after the walk: it is synchronous
      return end(error);
    };
    return subscription;
  }
}

/** PostGraphile's PgSubscriber over `pool`, whose listening connection names no channel in pg_stat_activity. */
export function quietPgSubscriber(pool: pg.Pool): PgSubscriber {
  return new EveryOneEndedPgSubscriber({ connect: async () => quietly(await pool.connect()) } as pg.Pool);
}
