/**
 * The live visit queue: `subscription { visitQueueChanged { status visit { … } } }`
 * tells the front desk when a visit of its clinic is booked or changes status.
 *
 * The topic comes from the session's verified clinic claim, never from an
 * argument, so nobody can listen to another clinic. The visit itself is read
 * through the ordinary row-level security, so a revoked session gets nulls.
 * Notifications are sent by the trigger _700_notify on app_public.visit.
 */
import { context, lambda, listen } from "postgraphile/grafast";
import { jsonParse } from "postgraphile/@dataplan/json";
import { extendSchema, gql } from "postgraphile/utils";
import { ClientFacingError } from "./errors.ts";

/** The clinic of the verified session, as a plan step. */
const sessionClinicId = () =>
  lambda(context().get("pgSettings"), (settings) => settings?.["jwt.claims.clinic_id"] || null);

export const VisitQueuePlugin = extendSchema((build) => {
  const visits = build.input.pgRegistry.pgResources.visit;
  return {
    typeDefs: gql`
      """A visit of your clinic was booked or changed status."""
      type VisitQueueEvent {
        """The status the visit moved to."""
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
              const $topic = lambda(sessionClinicId(), (clinicId) => {
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
            return $event.get("status");
          },
          visit($event) {
            return visits.get({
              clinic_id: sessionClinicId(),
              id: $event.get("id"),
            });
          },
        },
      },
    },
  };
});
