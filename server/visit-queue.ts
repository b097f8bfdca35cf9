/**
 * The live visit queue: `subscription { visitQueueChanged { status visit { … } } }`
 * tells the front desk when a visit of its clinic is booked, changes status, is moved, handed to
 * another doctor, or given another patient or reason.
 *
 * The topic is the channel the database gives the session when the
 * subscription starts (a live session: not revoked, not expired), never an
 * argument or a claim alone, so nobody listens to another clinic or after
 * logging out: its clinic's for those who read every visit, a doctor's own
 * for a doctor, which hears their visits alone. A channel is named by a keyed
 * hash of the clinic's id (and the doctor's) (app_hidden.visit_queue_channel),
 * so that no other database role, which may LISTEN and NOTIFY on any channel,
 * can name it, and a doctor listening by hand hears no other doctor's visits. A notification (trigger
 * _700_notify on app_public.visit) names
 * the visit and the status it changed to; an event is delivered only when the
 * subscriber's session may see that visit through the ordinary row-level
 * security, and then reads it the same way: a doctor hears only about their
 * own visits, and of a visit handed from them to another doctor (whom the
 * notification names as from_doctor) that it left their list, without the
 * visit, which they may no longer read; a session revoked or expired since is told so
 * (UNAUTHENTICATED) at the next event, which ends its subscription. A session
 * whose channel moves while it listens (its member's role changed, or the key)
 * is told so on the channel it leaves (`{"channel_changed": true}`, by the
 * database), asks for its channel again, and, finding another, is told to
 * subscribe again (UNAVAILABLE), its last event: it heard nothing more there; it
 * asks once too when it starts to listen, as a change made while its LISTEN was
 * on its way was told before it listened. Its first event, sent once it listens
 * (and its channel has not moved), tells the client so (`listening`, no visit):
 * a frontend reads its list then, and hears every change committed after (the
 * client was told nothing when the server listened, and a change committed
 * between its list and the LISTEN was never heard). The
 * event's status is the one of its change, so that steps taken in quick
 * succession are each heard (read at delivery, three steps in one request were
 * heard as the last one three times); `visit` is the visit as it is now. A
 * failure (the listening connection lost, the check or the reading of an
 * event's visit failing) is the subscription's last event. Should
 * the channel be known all the same (to a superuser), a payload that does not
 * name a visit by a uuid is not ClinicOps' own, and is passed over (a forged
 * `channel_changed` ends nobody: each subscriber asks its channel), and a
 * status is believed only if the visit's own stamps say it has been in it
 * (checked_in_at for checked_in…), else its status now is given.
 */
import { access, constant, context, type GrafastSubscriber, inhibitOnNull, lambda, listen, type Step } from "postgraphile/grafast";
import type { ExecutionResult } from "postgraphile/graphql";
import { loadOneWithPgClient, type PgClient, type WithPgClient } from "postgraphile/@dataplan/pg";
import { extendSchema, gql } from "postgraphile/utils";
import { ClientFacingError } from "./errors.ts";
import { onceSettled } from "./once-settled.ts";
import { isUuid } from "../db/uuid.ts";
import { sessionClinicId } from "./session-clinic.ts";

/** What a notification says of a visit. */
interface Notified {
  id: string;
  /** The status the visit changed to, as the notification says; null when it says none that exists. */
  status: string | null;
  /** The doctor the visit was taken from, when the notification tells of a handover. */
  fromDoctor: string | null;
}

/** What a session is told: a notification of a visit as it hears it, or, first, that its subscription listens. */
interface VisitEvent {
  /** The visit it tells of; null in the first event. */
  id: string | null;
  status: string | null;
  /** Whether it is told to the doctor it was taken from, who may no longer see it: the visit left their list. */
  left: boolean;
  /** Whether it is the subscription's first event, sent once the server listens on its channel: no visit. */
  listening: boolean;
}

/** The subscription's first event: it listens now, and hears every change committed from here on. */
const LISTENING: VisitEvent = { id: null, status: null, left: false, listening: true };

/** The stamp each status leaves on a visit (a visit is booked scheduled): what shows it has been in that status. */
const STAMP_OF_STATUS: Record<string, string | null> = {
  scheduled: null,
  checked_in: "checked_in_at",
  in_progress: "started_at",
  completed: "completed_at",
  cancelled: "cancelled_at",
  no_show: "no_show_at",
};
const STAMPS = Object.values(STAMP_OF_STATUS).filter((stamp): stamp is string => stamp !== null);

/** What ended a subscription (its listening connection lost, the check of a visit failing): its last event, told at the field. */
interface Failure {
  failure: unknown;
}

/** How a session hears an event: of its visit, of its visit leaving the session's list, or not at all. */
type Hearing = "visit" | "left" | null;
type HearingOf = (notified: Notified) => Promise<Hearing>;

/** What the subscription asks the database, as its session: how it hears an event, and its channel now (null: no live session). */
interface SessionQueue {
  hearingOf: HearingOf;
  channel(): Promise<string | null>;
}

/** What a notification tells: of a visit, that channels have changed (a member's role, the key), or nothing of ClinicOps' (null). */
const CHANNEL_CHANGED = "channel changed";
type Told = Notified | typeof CHANNEL_CHANGED | null;

/** The channel the session may listen to now (app_hidden.visit_queue_channel): null without a live session. */
async function channelOf(client: PgClient): Promise<string | null> {
  const { rows } = await client.query<{ channel: string | null }>({ text: "select app_hidden.visit_queue_channel() as channel" });
  return rows[0]?.channel ?? null;
}

/** `channel` as the topic to listen on; without one, the session has none to follow (UNAUTHENTICATED). */
function topicOf(channel: string | null): string {
  if (!channel) throw new ClientFacingError("UNAUTHENTICATED", "Log in to a clinic to follow its visit queue.");
  return channel;
}

/**
 * Checks that the session still follows `topic` (told `{"channel_changed": true}` there: a member's role changed, or the
 * key): a session whose channel has moved is told to subscribe again (thrown: its subscription's last event), since it
 * would hear no more there (a doctor made receptionist heard only their own visits, every subscriber nothing after a new key).
 */
async function stillOn(topic: string, session: SessionQueue): Promise<void> {
  if (topicOf(await session.channel()) !== topic) {
    throw new ClientFacingError(
      "UNAVAILABLE",
      "Your live queue has moved to another channel (your role or the queue's key changed): subscribe again, and read the list again.",
    );
  }
}

/**
 * When `subscriber` (PostGraphile's PgSubscriber) listens on every topic subscribed to so far: its `subscribe` returns
 * at once and issues LISTEN in the background, each LISTEN and UNLISTEN in turn on its private `_chain`. A role or key
 * changed between the subscription's reading of its channel and its LISTEN was told on a channel nobody here listened
 * to yet, so the subscription asks for its channel again once it listens (stillOn), and then tells its client that it
 * listens (LISTENING). Fails, ending every subscription at its start, should a new PgSubscriber keep no `_chain`: never
 * silently skipped.
 */
function listening(subscriber: GrafastSubscriber<Record<string, string>>): Promise<unknown> {
  const chain = (subscriber as unknown as { _chain?: unknown })._chain;
  if (!(chain instanceof Promise)) throw new Error("PgSubscriber keeps no _chain: server/visit-queue.ts cannot tell when it listens");
  return chain;
}

/**
 * What a notification tells: the visit it names; or, for `{"channel_changed": true}` exactly, that the channels may
 * have changed; or null for a payload that is neither (not JSON, no uuid `id`).
 */
function toldBy(payload: string): Told {
  try {
    const event = JSON.parse(payload) as { id?: unknown; status?: unknown; from_doctor?: unknown; channel_changed?: unknown } | null;
    if (event?.channel_changed === true && Object.keys(event).length === 1) return CHANNEL_CHANGED;
    const id = event?.id;
    const status = typeof event?.status === "string" && Object.hasOwn(STAMP_OF_STATUS, event.status) ? event.status : null;
    const fromDoctor = isUuid(event?.from_doctor) ? event.from_doctor : null;
    return isUuid(id) ? { id, status, fromDoctor } : null;
  } catch {
    return null;
  }
}

/**
 * The events of `notifications` (heard on `topic`) the session hears: first, once `listens()` says it listens and its
 * channel has not moved (stillOn, which ends the subscription if it has), LISTENING; then those whose visit it may
 * see, and those of a visit handed from its doctor to another (`left`); told that the channels
 * changed, it ends the subscription if the session's has (stillOn). A plain
 * iterator rather than an async generator: `return()` (the subscriber leaving)
 * must unsubscribe at once, not after the next notification. A notification
 * that names no visit is passed over. A failure while reading the next event
 * (the listening connection lost, the visibility query failing) unsubscribes at
 * once and is the subscription's last event, not thrown: Grafast hands what an
 * iterator throws only to a client waiting for its next event, and drops it
 * while the event before is still being sent (that subscriber was told only
 * that its subscription had completed, and its queue stood still).
 */
function heardEvents(notifications: AsyncIterable<string>, listens: () => Promise<unknown>, topic: string, session: SessionQueue): AsyncIterableIterator<VisitEvent | Failure> {
  const source = notifications[Symbol.asyncIterator]();
  /** Whether the subscription has been told that it listens (LISTENING), its channel asked again first. */
  let announced = false;
  /** Whether the source has ended or been returned, so that it is returned at most once. */
  let ended = false;
  const unsubscribe = async () => {
    if (ended) return;
    ended = true;
    await source.return?.();
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      // after its failure too: a lost connection's source answers every next() with the failure again
      if (ended) return { done: true, value: undefined };
      try {
        if (!announced) {
          announced = true;
          await listens();
          await stillOn(topic, session);
          return { done: false, value: LISTENING };
        }
        for (;;) {
          const notification = await source.next();
          if (notification.done) {
            ended = true;
            return notification;
          }
          const told = toldBy(notification.value);
          if (told === CHANNEL_CHANGED) {
            await stillOn(topic, session);
            continue;
          }
          const hearing = told && (await session.hearingOf(told));
          if (told && hearing) return { done: false, value: { id: told.id, status: told.status, left: hearing === "left", listening: false } };
        }
      } catch (failure) {
        await unsubscribe().catch(() => {}); // the failure to report is the one that ended it
        return { done: false, value: { failure } };
      }
    },
    async return() {
      await unsubscribe();
      return { done: true, value: undefined };
    },
  };
}

/**
 * `events` until one whose visit could not be read (an error at its `status` or `visit`: its check
 * passed, then the statement reading the visit failed, the database too slow or gone, or the session
 * ended between the two), which is the last: the subscription ends after it, and stops listening at
 * once. That event (status and visit null, the error at each) was one like any other, and the
 * subscription went on: the desk learnt neither which visit had changed nor that it should read its
 * list again. Other errors leave it going: one at `visitQueueChanged` itself (a failure, which ends
 * its subscription already, or an event too large for the answer's budget, server/answer-budget.ts),
 * or one deeper in the visit (a field the session may not read refuses at every event: ending each
 * subscription at its first event, a desk that subscribed again would be ended again). The field is known by its
 * place, not its name: a client may alias it.
 */
function lastAfterAnUnreadEvent<E extends Pick<ExecutionResult, "errors">>(events: AsyncGenerator<E, void, void>): AsyncGenerator<E, void, void> {
  let ended = false;
  // at a field of the event (`visitQueueChanged.status`, `.visit`), under whatever name the client gave the field (an
  // alias, `queue: visitQueueChanged`, is the path's first key: such an event was not taken for one, and the
  // subscription went on); a subscription selects one field of Subscription, the live queue's
  const unread = ({ errors }: E) => errors?.some(({ path }) => path?.length === 2) ?? false;
  return {
    async next() {
      if (ended) return { done: true, value: undefined };
      const event = await events.next();
      if (!event.done && unread(event.value)) {
        ended = true;
        await events.return(); // Grafast returns the queue's iterator: it unsubscribes
      }
      return event;
    },
    return: () => ((ended = true), events.return()),
    throw: (error?: unknown) => ((ended = true), events.throw(error)),
    [Symbol.asyncIterator]() {
      return this;
    },
  } as AsyncGenerator<E, void, void>;
}

const VisitQueueSchemaPlugin = extendSchema((build) => {
  const visits = build.input.pgRegistry.pgResources.visit;
  /** The event's visit, read through row-level security; none, and no query, for the first event (no id). */
  const visitOf = ($event: Step) => visits.get({ clinic_id: sessionClinicId(), id: inhibitOnNull(access($event, "id")) });
  /**
   * What the subscription asks the database, each time with the request's
   * settings (row-level security). How the session hears an event: of its
   * visit when it may see it; else, when the session is the doctor the visit
   * was taken from, that it left their list; else not at all. A session that
   * no longer lives (revoked, expired, its member removed) ends the
   * subscription: the database answers UNAUTHENTICATED
   * (app_private.live_session). And the session's channel now.
   */
  const sessionQueue = () =>
    lambda(visits.executor.context(), ({ withPgClient, pgSettings }: { withPgClient: WithPgClient; pgSettings: Record<string, string> }): SessionQueue => ({
      hearingOf: (event) =>
        withPgClient(pgSettings, async (client) => {
          const text = `select exists (select from app_public.visit where id = $1) as visible,
                               coalesce(app_public.current_membership_id() = $2::uuid, false) as left`;
          const { rows } = await client.query<{ visible: boolean; left: boolean }>({ text, values: [event.id, event.fromDoctor] });
          return rows[0].visible ? "visit" : rows[0].left ? "left" : null;
        }),
      channel: () => withPgClient(pgSettings, channelOf),
    }));
  return {
    typeDefs: gql`
      """A visit of your clinic was booked, changed status, was moved to another time, handed to another doctor, or given another patient or reason; or, told to the doctor it was handed from, it left their list; or, as the subscription's first event, the server listens (\`listening\`)."""
      type VisitQueueEvent {
        """The status the visit changed to, or was booked in: the step this event tells of (\`visit\` may have moved on since). Null when the visit left your list, and in the first event."""
        status: VisitStatus
        """The visit, as you may see it now: null when it left your list (handed to another doctor), and in the first event."""
        visit: Visit
        """The id (\`rowId\`) of the visit this event tells of; null in the first event (\`listening\`) alone."""
        visitId: UUID
        """True when the visit was handed from you to another doctor: take it off your list. False for every other event."""
        leftYourList: Boolean!
        """True in the subscription's first event alone, sent once the server listens for your queue's changes (no visit: \`status\`, \`visit\` and \`visitId\` null): read your list of visits then, and apply the events after it, as every change committed from then on is heard. False for every other event."""
        listening: Boolean!
      }
      extend type Subscription {
        """Visits of the current clinic as they are booked, move through their lifecycle, are moved, handed to another doctor, or given another patient or reason."""
        visitQueueChanged: VisitQueueEvent
      }
    `,
    objects: {
      Subscription: {
        plans: {
          visitQueueChanged: {
            subscribePlan() {
              const $channel = loadOneWithPgClient(visits.executor, constant(null), async (client, lookups) => {
                const channel = await channelOf(client);
                return lookups.map(() => channel);
              });
              const $topic = lambda($channel, topicOf);
              const $heardBySession = lambda(
                [context().get("pgSubscriber"), sessionQueue()],
                ([subscriber, session]): GrafastSubscriber<Record<string, VisitEvent | Failure>> | null =>
                  subscriber && { subscribe: async (topic) => heardEvents(await subscriber.subscribe(topic), () => listening(subscriber), topic, session) },
              );
              return listen($heardBySession, $topic);
            },
            plan($event: Step<VisitEvent | Failure>) {
              // the failure that ended the subscription: visitQueueChanged null, with its error
              return lambda($event, (event) => {
                if ("failure" in event) throw event.failure;
                return event;
              });
            },
          },
        },
      },
      VisitQueueEvent: {
        plans: {
          // null in the first event: its visit is inhibited (visitOf, no id), and so is this lambda, which depends on it
          status($event) {
            const $visit = visitOf($event);
            const $stamps = STAMPS.map((stamp) => $visit.get(stamp));
            return lambda([access($event, "status"), access($event, "left"), $visit.get("status"), ...$stamps], ([claimed, left, now, ...stamps]) => {
              if (left) return null; // a step of a visit no longer theirs
              const stamp = claimed === null ? undefined : STAMP_OF_STATUS[claimed];
              // believed when the visit's stamps show it has been in that status; else its status now
              return stamp === null || (stamp !== undefined && stamps[STAMPS.indexOf(stamp)] != null) ? claimed : now;
            });
          },
          visit($event) {
            return visitOf($event);
          },
          visitId($event) {
            return access($event, "id");
          },
          leftYourList($event) {
            return access($event, "left");
          },
          listening($event) {
            return access($event, "listening");
          },
        },
      },
    },
  };
});

export const VisitQueuePlugin: GraphileConfig.Plugin = {
  ...VisitQueueSchemaPlugin,
  grafast: {
    middleware: {
      subscribe(next) {
        const result = next();
        const ending = (answer: Awaited<typeof result>) => (Symbol.asyncIterator in answer ? lastAfterAnUnreadEvent(answer) : answer);
        return onceSettled(result, ending);
      },
    },
  },
};
