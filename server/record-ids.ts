/**
 * An `id` that is no record's id at all (not the base64 of `["Type", key, …]` for one of the
 * API's types: "garbage", "", a `rowId` sent as `id`) is INVALID_INPUT, saying what to send, in the
 * queries that read a row by its `id` (`patientById`, `visitById`… and `node`) as in the `…ById`
 * mutations (`nothing-changed.ts`). The queries answered null, as for a row that is not there or
 * not the session's: a frontend could not tell a bug in its ids from a row gone. A well-formed id of
 * another type, or of a row the session may not see, is still null (a query of a row reads nothing).
 * An id is a record's only with exactly its type's keys: one with a key more (`["Visit", clinic, id,
 * "more"]`) was read, and changed, as the record's, and one without its keys (`["Patient"]`) as no row's;
 * both are INVALID_INPUT now, as any other id the API never gave.
 */
import type { PgCodecWithAttributes } from "postgraphile/@dataplan/pg";
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

/** How many keys the ids of `typeName`'s records hold (its table's primary key's columns); null for a type of no table's (Query). */
function keysOf(build: GraphileBuild.Build, typeName: string): number | null {
  const codec = (build.getTypeMetaByName(typeName)?.scope as { pgCodec?: PgCodecWithAttributes } | undefined)?.pgCodec;
  const primaryKey = codec && build.pgTableResource(codec)?.uniques.find((unique) => unique.isPrimary);
  return primaryKey ? primaryKey.attributes.length : null;
}

export const RecordIdsPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsRecordIdsPlugin",
  version: "1.0.0",
  schema: {
    hooks: {
      // a table's handler (PostGraphile's) matches an id by its type's name alone, and reads the keys it expects from
      // what follows, ignoring any more: it matches, from here on, an id of exactly its type's keys
      init: {
        after: ["PgTableNodePlugin"],
        callback(_, build) {
          for (const handler of Object.values(build.getNodeIdHandlerByTypeName?.() ?? {})) {
            const keys = keysOf(build, handler.typeName);
            if (keys === null) continue;
            const ofTheType = handler.match;
            handler.match = (specifier) => ofTheType(specifier) && Array.isArray(specifier) && specifier.length === 1 + keys;
          }
          return _;
        },
      },
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
