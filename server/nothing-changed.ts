/**
 * An update mutation that matched no row the session may change answered a
 * null record and no error (PostGraphile v5's way): a screen's "save" did
 * nothing and said nothing, whether the row was another clinic's, gone, or one
 * the role may see but not change (a cashier's price change). It is NOT_FOUND,
 * as a delete of such a row already was (telling the cases apart would say
 * what exists in other clinics).
 */
import { type ObjectStep, sideEffect, type Step } from "postgraphile/grafast";
import { ClientFacingError, NOTHING_CHANGED } from "./errors.ts";

function somethingChanged(row: unknown): void {
  if (row == null) throw new ClientFacingError("NOT_FOUND", NOTHING_CHANGED);
}

export const NothingChangedPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsNothingChangedPlugin",
  version: "1.0.0",
  schema: {
    hooks: {
      GraphQLObjectType_fields_field(field, _build, { scope }) {
        const plan = field.plan;
        if (!scope.isPgUpdateMutation || !plan) return field;
        return {
          ...field,
          plan(...args: Parameters<typeof plan>) {
            const $payload = plan(...args) as ObjectStep<{ result: Step }>;
            sideEffect($payload.get("result"), somethingChanged);
            return $payload;
          },
        };
      },
    },
  },
};
