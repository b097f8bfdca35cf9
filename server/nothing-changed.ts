/**
 * An update or delete mutation that matched no row the session may change is
 * NOT_FOUND. PostGraphile v5 answered an update of such a row with a null
 * record and no error: a screen's "save" did nothing and said nothing, whether
 * the row was another clinic's, gone, or one the role may see but not change
 * (a cashier's price change); a delete of such a row was an error already
 * (telling the cases apart would say what exists in other clinics). The
 * `…ById` variants answered a null payload and no error, updates and deletes
 * alike, for an id that names no row of their type: another type's id, or one
 * that does not decode (the write is then never planned to run). Such an id is
 * NOT_FOUND too, unless it is no record's id at all (a `rowId` sent as `id`,
 * say): INVALID_INPUT, which says so.
 */
import { constant, type ObjectStep, sideEffect, type Step, trap, TRAP_INHIBITED } from "postgraphile/grafast";
import { ClientFacingError, NOTHING_CHANGED } from "./errors.ts";
import { isRecordId, NOT_AN_ID } from "./record-ids.ts";

export const NothingChangedPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsNothingChangedPlugin",
  version: "1.0.0",
  schema: {
    hooks: {
      GraphQLObjectType_fields_field(field, build, { scope }) {
        const plan = field.plan;
        if (!(scope.isPgUpdateMutation || scope.isPgDeleteMutation) || !plan) return field;
        const byNodeId = scope.fieldBehaviorScope?.startsWith("nodeId:") ?? false;
        const handlers = Object.values(build.getNodeIdHandlerByTypeName?.() ?? {});
        const somethingChanged = ([row, id]: readonly [unknown, unknown]): void => {
          if (row != null) return;
          if (typeof id === "string" && !isRecordId(handlers, id)) throw new ClientFacingError("INVALID_INPUT", NOT_AN_ID);
          throw new ClientFacingError("NOT_FOUND", NOTHING_CHANGED);
        };
        return {
          ...field,
          plan(...args: Parameters<typeof plan>) {
            const $payload = plan(...args) as ObjectStep<{ result: Step }>;
            // an id that names no row of this type inhibits the write (it never runs): null, as an update that matched no row
            const $row = trap($payload.get("result"), TRAP_INHIBITED, { valueForInhibited: "NULL" });
            const $id = byNodeId ? args[1].getRaw(["input", build.inflection.nodeIdFieldName()]) : constant(null);
            sideEffect([$row, $id], somethingChanged);
            return $payload;
          },
        };
      },
    },
  },
};
