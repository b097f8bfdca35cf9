/**
 * The live visit queue: `subscription { visitQueueChanged { status visit { … } } }`
 * tells the front desk when a visit of its clinic is booked or changes status.
 *
 * The topic is the clinic of the session as the database knows it when the
 * subscription starts (a live session: not revoked, not expired), never an
 * argument or a claim alone, so nobody listens to another clinic or after
 * logging out. A notification (trigger _700_notify on app_public.visit) names
 * only the visit; each event reads the visit, its status included, through
 * the ordinary row-level security, so a session revoked since gets nulls, and
 * a doctor learns only about their own visits.
 */
import { constant, context, lambda, listen, type Step } from "postgraphile/grafast";
import { loadOneWithPgClient } from "postgraphile/@dataplan/pg";
import { jsonParse, type JSONParseStep } from "postgraphile/@dataplan/json";
import { extendSchema, gql } from "postgraphile/utils";
import { ClientFacingError } from "./errors.ts";

/** The clinic of the verified session's claim, as a plan step (row-level security checks it against the live session). */
const sessionClinicId = () =>
  lambda(context().get("pgSettings"), (settings) => settings?.["jwt.claims.clinic_id"] || null);

export const VisitQueuePlugin = extendSchema((build) => {
  const visits = build.input.pgRegistry.pgResources.visit;
  /** The event's visit, read through row-level security (null when the session may not see it). */
  const visitOf = ($event: Step) => visits.get({ clinic_id: sessionClinicId(), id: ($event as JSONParseStep<{ id: string }>).get("id") });
  return {
    typeDefs: gql`
      """A visit of your clinic was booked or changed status."""
      type VisitQueueEvent {
        """The visit's status now (null if you may not see the visit)."""
        status: VisitStatus
        """The visit, as you may see it now."""
        visit: Visit
      }
      extend type Subscription {
        """Visits of the current clinic as they are booked and move through their lifecycle."""
        visitQueueChanged: VisitQueueEvent
      }
    `,
    objects: {
      Subscription: {
        plans: {
          visitQueueChanged: {
            subscribePlan() {
              const $liveClinicId = loadOneWithPgClient(visits.executor, constant(null), async (client, lookups) => {
                const { rows } = await client.query<{ id: string | null }>({ text: "select app_public.current_clinic_id()::text as id" });
                return lookups.map(() => rows[0]?.id ?? null);
              });
              const $topic = lambda($liveClinicId, (clinicId) => {
                if (!clinicId) throw new ClientFacingError("UNAUTHENTICATED", "Log in to a clinic to follow its visit queue.");
                return `clinicops:visits:${clinicId}`;
              });
              return listen(context().get("pgSubscriber"), $topic, jsonParse);
            },
            plan($event) {
              return $event;
            },
          },
        },
      },
      VisitQueueEvent: {
        plans: {
          status($event) {
            return visitOf($event).get("status");
          },
          visit($event) {
            return visitOf($event);
          },
        },
      },
    },
  };
});
