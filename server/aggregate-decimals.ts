/**
 * The `average` of @graphile/pg-aggregates 0.2 is PostgreSQL's `avg`, whose
 * numeric answer has as many decimals as the division gives (16 and more):
 * the average of two payments was "175.2500000000000000" where every other
 * amount, their sum, min and max included, is in the 3 decimals of
 * numeric(16,3). So were its standard deviations and variances
 * (`stddevSample`, `stddevPopulation`, `varianceSample`, `variancePopulation`:
 * "50.0009013252094620"). Here each of them of a numeric column (in `aggregates`,
 * `groupedAggregates`, their `having`, and ordering by it) is rounded, half
 * away from zero, to the most decimals of the values it is of (`scale`):
 * 3 for every amount, as typed for a tax rate. The codec an aggregate is
 * given is the type's, without its modifier, so the values' scale stands in
 * for the column's. Those of integers and times are PostgreSQL's.
 */
import type {} from "@graphile/pg-aggregates"; // build.pgAggregateSpecs

/** The aggregates whose answer has more decimals than the values they are of. */
const DIVIDED = ["average", "stddevSample", "stddevPopulation", "varianceSample", "variancePopulation"];

export const AggregatesInTheirDecimalsPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsAggregatesInTheirDecimalsPlugin",
  version: "1.1.0",
  after: ["PgAggregatesSpecsPlugin"],
  schema: {
    hooks: {
      init(_, build) {
        const { sql, dataplanPg: { TYPES } } = build;
        // changed in place: the plugins that build the aggregates' fields hold the specs, and call them as they plan
        for (const spec of build.pgAggregateSpecs.filter((spec) => DIVIDED.includes(spec.id))) {
          const aggregate = spec.sqlAggregateWrap;
          spec.sqlAggregateWrap = (sqlFrag, codec) =>
            codec === TYPES.numeric ? sql`round(${aggregate(sqlFrag, codec)}, max(scale(${sqlFrag})))` : aggregate(sqlFrag, codec);
        }
        return _;
      },
    },
  },
};
