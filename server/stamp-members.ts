/**
 * Who did it, by name: each stamp of a clinic's row (a uuid column named `…_by` — `created_by`,
 * `checked_in_by`, `issued_by`… — with no foreign key to a table other than `user`, of an app_public
 * table or view that has `clinic_id`, or of the clinic itself, whose `id` is the clinic) reads its
 * member, `<stamp>Member`, through a virtual foreign key from (clinic_id, stamp) to
 * `membership (clinic_id, user_id)` (its `@unique` tag makes the pair a key). The relation reads as
 * the caller, so a stamp shows what membership's policies show the session, and null for the
 * platform, for someone of another clinic only, or someone removed from it. No filter by it (the
 * stamps carry no index) and no list the other way.
 *
 * An invitation not yet accepted makes no member (decision 009), so a stamp's member is an accepted
 * membership alone: a receptionist removed and invited back as a doctor read, on every row they had
 * stamped, as a member of no name and the role offered, a doctor the clinic never had. The condition
 * joins the membership on it (Grafast inlines the member into the row's statement, its WHERE becoming ON).
 *
 * The relations were the same `@foreignKey` smart tag repeated in the comment of every table (39
 * of them, 000224); this plugin adds those tags to the tables' tags as PostGraphile reads them,
 * before its PgFakeConstraintsPlugin turns `@foreignKey` tags into constraints, so a table or a
 * stamp added later has its member with no tag to write.
 */
import type { PgCodecRelation, PgSelectSingleStep } from "postgraphile/@dataplan/pg";
import type { PgAttribute, PgClass } from "postgraphile/graphile-build-pg/pg-introspection";

const STAMP = /^[a-z0-9_]+_by$/;
const RELATIONS = new Set(["r", "p", "v", "m"]); // tables, partitioned tables, views, materialized views

/**
 * Whether a `…_by` column is (part of) a foreign key to a table other than `user`: it holds that
 * table's key (`approved_by` → a membership's id), not a user's, and a member read by it as a user's
 * id would be nobody, or whoever's user id it happened to equal.
 */
const referencesOtherThanUser = (pgClass: PgClass, column: PgAttribute) =>
  pgClass.getConstraints().some((constraint) => {
    const target = constraint.getForeignClass();
    return constraint.contype === "f" && constraint.conkey?.includes(column.attnum) && !(target?.relname === "user" && target.getNamespace()?.nspname === "app_public");
  });

const camel = (name: string) => name.replace(/_(.)/g, (_, letter: string) => letter.toUpperCase());

/** The `@foreignKey` tag of a stamp: PgFakeConstraintsPlugin's syntax, the relation's name and behaviours, its description. */
const memberOf = (clinic: string, stamp: string) =>
  `(${clinic},${stamp}) references app_public.membership (clinic_id,user_id)|@fieldName ${camel(stamp)}Member` +
  `|@forwardBehavior -filterBy|@backwardBehavior -*|The member behind \`${camel(stamp)}\`, their name and role as the staff` +
  " list shows them: null for the platform, or for a person not or no longer a member of the clinic.";

/** A stamp's relation: the only ones to a membership by (clinic_id, user_id), which is no key a real foreign key could reference. */
const isStamp = (relation: PgCodecRelation | undefined) =>
  relation?.remoteResource.codec.name === "membership" && relation.remoteAttributes.join() === "clinic_id,user_id";

export const StampMembersPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsStampMembersPlugin",
  version: "1.0.0",
  before: ["PgFakeConstraintsPlugin"],
  gather: {
    hooks: {
      pgIntrospection_introspection(_info, { introspection }) {
        for (const pgClass of introspection.classes) {
          if (pgClass.getNamespace()?.nspname !== "app_public" || !RELATIONS.has(pgClass.relkind)) continue;
          const columns = pgClass.getAttributes().filter((attribute) => attribute.attnum > 0 && !attribute.attisdropped);
          const clinic = pgClass.relname === "clinic" ? "id" : "clinic_id";
          if (!columns.some((attribute) => attribute.attname === clinic)) continue;
          const stamps = columns.filter(
            (attribute) => STAMP.test(attribute.attname) && attribute.getType()?.typname === "uuid" && !referencesOtherThanUser(pgClass, attribute),
          );
          if (stamps.length === 0) continue;
          // getTags() is memoised: what is added here is what every later plugin reads
          const tags = pgClass.getTags();
          const written = tags.foreignKey === undefined ? [] : [tags.foreignKey].flat();
          tags.foreignKey = [...written, ...stamps.map((attribute) => memberOf(clinic, attribute.attname))] as string[];
        }
      },
    },
  },
  schema: {
    hooks: {
      GraphQLObjectType_fields_field(field, build, { scope: { isPgSingleRelationField, pgRelationDetails } }) {
        if (!isPgSingleRelationField || !pgRelationDetails || !field.plan) return field;
        const { registry, codec, relationName } = pgRelationDetails;
        if (!isStamp(registry.pgRelations[codec.name]?.[relationName] as PgCodecRelation | undefined)) return field;
        const { sql } = build;
        const plan = field.plan;
        return {
          ...field,
          plan(...args) {
            const $member = plan(...args) as PgSelectSingleStep;
            const $memberships = $member.getClassStep();
            $memberships.where(sql`${$memberships.alias}.accepted_at is not null`);
            return $member;
          },
        };
      },
    },
  },
};
