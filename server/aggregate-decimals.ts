/**
 * The `average` of @graphile/pg-aggregates 0.2 is PostgreSQL's `avg`, whose
 * numeric answer has as many decimals as the division gives (16 and more):
 * the average of two payments was "175.2500000000000000" where every other
 * amount, their sum, min and max included, is in the 3 decimals of
 * numeric(16,3). So were its standard deviations and variances
 * (`stddevSample`, `stddevPopulation`, `varianceSample`, `variancePopulation`:
 * "50.0009013252094620"). Here each of them of a numeric column (in `aggregates`,
 * `groupedAggregates`, their `having`, and ordering by it) is rounded, half
 * away from zero, to the most decimals of the values it is of (`scale`),
 * and never fewer than 3, an amount's: 3 for every amount and for tax rates
 * typed with at most 3, as typed for those typed with more. The codec an
 * aggregate is given is the type's, without its modifier, so the values'
 * scale stands in for the column's. A tax rate is kept as typed, without
 * trailing zeros (0.1, 0.2): rounded to those rates' one decimal, invoices
 * at 10% and 20% averaged "0.2", their standard deviation "0.1", and a
 * `having` above 0.15 kept them; now "0.150" and "0.050". Those of integers
 * and times are PostgreSQL's.
 */
import type {} from "@graphile/pg-aggregates"; // build.pgAggregateSpecs

/** The aggregates whose answer has more decimals than the values they are of. */
const DIVIDED = ["average", "stddevSample", "stddevPopulation", "varianceSample", "variancePopulation"];

export const AggregatesInTheirDecimalsPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsAggregatesInTheirDecimalsPlugin",
  version: "1.2.0",
  after: ["PgAggregatesSpecsPlugin"],
  schema: {
    hooks: {
      init(_, build) {
        const { sql, dataplanPg: { TYPES } } = build;
        // changed in place: the plugins that build the aggregates' fields hold the specs, and call them as they plan
        for (const spec of build.pgAggregateSpecs.filter((spec) => DIVIDED.includes(spec.id))) {
          const aggregate = spec.sqlAggregateWrap;
          spec.sqlAggregateWrap = (sqlFrag, codec) =>
            codec === TYPES.numeric ? sql`round(${aggregate(sqlFrag, codec)}, greatest(max(scale(${sqlFrag})), 3))` : aggregate(sqlFrag, codec);
        }
        return _;
      },
    },
  },
};
