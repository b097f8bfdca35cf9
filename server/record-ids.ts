/**
 * An `id` that is no record's id at all (not the base64 of `["Type", key, …]` for one of the
 * API's types: "garbage", "", a `rowId` sent as `id`) is INVALID_INPUT, saying what to send, in the
 * queries that read a row by its `id` (`patientById`, `visitById`… and `node`) as in the `…ById`
 * mutations (`nothing-changed.ts`). The queries answered null, as for a row that is not there or
 * not the session's: a frontend could not tell a bug in its ids from a row gone. A well-formed id of
 * another type, or of a row the session may not see, is still null (a query of a row reads nothing).
 */
import { lambda, type NodeIdHandler, type Step } from "postgraphile/grafast";
import { ClientFacingError } from "./errors.ts";

export const NOT_AN_ID = "This is not a record's id: send the `id` the API gave the record (not its `rowId`).";

/** Whether `id` decodes as the id of a record of some type (whichever), as the API writes them. */
export function isRecordId(handlers: readonly NodeIdHandler[], id: string): boolean {
  return handlers.some((handler) => {
    try {
      return handler.match(handler.codec.decode(id));
    } catch {
      return false;
    }
  });
}

export const RecordIdsPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsRecordIdsPlugin",
  version: "1.0.0",
  schema: {
    hooks: {
      GraphQLObjectType_fields_field(field, build, { scope }) {
        const fetch = scope.nodeAccessorFetcher;
        if (!(fetch || scope.isRootNodeField) || !field.plan) return field;
        const handlers = Object.values(build.getNodeIdHandlerByTypeName?.() ?? {});
        const nodeIdFieldName = build.inflection.nodeIdFieldName();
        const recordId = (id: string | null | undefined) => {
          if (typeof id === "string" && !isRecordId(handlers, id)) throw new ClientFacingError("INVALID_INPUT", NOT_AN_ID);
          return id;
        };
        return {
          ...field,
          // `node` answers the id itself, which its type is read from; a `…ById` field, its type's row for it
          plan(_$parent: Step, args: { getRaw(name: string): Step<string | null | undefined> }) {
            const $id = lambda(args.getRaw(nodeIdFieldName), recordId);
            return fetch ? fetch($id) : $id;
          },
        } as typeof field;
      },
    },
  },
};
