/**
 * The `having` of grouped aggregates offers, as @graphile/pg-aggregates 0.2
 * builds it, every column under every aggregate: the `sum` or `average` of a
 * time, and the `distinctCount` of a time compared with a time (a count is a
 * number). PostgreSQL refuses that SQL (42883), so a caller who asked what the
 * schema offered got INTERNAL. Here each aggregate's having input keeps the
 * columns the aggregate applies to (those its results list, as
 * `sum { amount }`), each compared as the aggregate's result: a distinct count
 * as a number, whatever it counts.
 */
import type {} from "@graphile/pg-aggregates/dist/InflectionPlugin.js"; // its inflectors' types
import type { PgCodecWithAttributes, PgResource } from "postgraphile/@dataplan/pg";

export const HavingAggregatesPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsHavingAggregatesPlugin",
  version: "1.0.0",
  after: ["PgAggregatesAddHavingAggregateTypesPlugin"],
  schema: {
    hooks: {
      GraphQLInputObjectType_fields(fields, build, { Self }) {
        const { inflection } = build;
        const tables = Object.values(build.input.pgRegistry.pgResources as Record<string, PgResource>).filter(
          (resource) => !resource.parameters && resource.codec.attributes,
        );
        for (const resource of tables) {
          const spec = build.pgAggregateSpecs.find((aggregateSpec) => inflection.aggregateHavingAggregateInputType({ resource, aggregateSpec }) === Self.name);
          if (!spec) continue;
          const codec = resource.codec as PgCodecWithAttributes;
          const attributes = Object.entries(codec.attributes).map(([attributeName, attribute]) => ({
            fieldName: inflection.attribute({ codec, attributeName }),
            codec: attribute.codec,
          }));
          return Object.fromEntries(
            Object.entries(fields).flatMap(([fieldName, field]) => {
              const attribute = attributes.find((a) => a.fieldName === fieldName);
              if (!attribute) return [[fieldName, field]]; // a computed column's, typed by its function
              const filterTypeName = spec.isSuitableType(attribute.codec)
                ? build.pgHavingFilterTypeNameForCodec(spec.pgTypeCodecModifier?.(attribute.codec) ?? attribute.codec)
                : null;
              const type = filterTypeName ? build.getInputTypeByName(filterTypeName) : null;
              return type ? [[fieldName, { ...field, type }]] : [];
            }),
          );
        }
        return fields;
      },
    },
  },
};
