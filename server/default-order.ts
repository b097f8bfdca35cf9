/**
 * A table's `@defaultOrderBy` smart tag (in its comment, e.g.
 * `@defaultOrderBy INVOICE_ID_ASC,POSITION_ASC`: values of its OrderBy enum,
 * comma-separated) becomes the default of the `orderBy` argument of every
 * connection over it, a parent's list of its rows and lists of several
 * parents' rows alike (so a tag should lead with the parent: one order, served
 * by one index, for both). PostGraphile's default is the primary
 * key, which for our random (uuid) keys is no order a person would recognise:
 * an invoice's lines came back shuffled unless the client asked for an order.
 * A name the table's order type does not have stops the schema's build, so a
 * tag left behind by a renamed column cannot silently fall back to the key.
 */
import type { GraphQLEnumType } from "postgraphile/graphql";

export const DefaultOrderPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsDefaultOrderPlugin",
  version: "1.0.0",
  after: ["PgConnectionArgOrderByDefaultValuePlugin"],
  schema: {
    hooks: {
      GraphQLObjectType_fields_field_args_arg(arg, build, { scope }) {
        const { argName, isPgFieldConnection, pgFieldResource: resource } = scope;
        const wanted = resource?.codec.extensions?.tags?.defaultOrderBy;
        // a set-returning function's rows keep the order it gives them
        if (argName !== "orderBy" || !isPgFieldConnection || !resource || resource.parameters || typeof wanted !== "string") return arg;
        const typeName = build.inflection.orderByType(build.inflection.tableType(resource.codec));
        const values = (build.getTypeByName(typeName) as GraphQLEnumType).getValues();
        const defaultValue = wanted.split(",").map((name) => {
          const value = values.find((v) => v.name === name.trim());
          if (!value) throw new Error(`@defaultOrderBy of ${resource.name}: ${typeName} has no value ${name.trim()}`);
          return value.value;
        });
        return { ...arg, defaultValue };
      },
    },
  },
};
