/**
 * PostGraphile over app_public: Amber, simplified inflection, connection
 * filters and aggregates, with our error masking and request limits. Every
 * request runs as the visitor role with the verified session claims.
 */
import type { IncomingMessage } from "node:http";
import { PgAggregatesPreset } from "@graphile/pg-aggregates";
import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { getOperationAST, OperationTypeNode } from "postgraphile/graphql";
import type pg from "pg";
import { postgraphile, type PostGraphileInstance } from "postgraphile";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";
import type { RoleNames } from "../db/config.ts";
import { HavingAggregatesPlugin } from "./aggregate-having.ts";
import { AggregatesInTheirDecimalsPlugin } from "./aggregate-decimals.ts";
import { GroupsInKeyOrderPlugin } from "./group-order.ts";
import { sealedCursorsPlugin } from "./cursors.ts";
import { ScalarFormsPlugin } from "./scalar-forms.ts";
import { StampMembersPlugin } from "./stamp-members.ts";
import { MemberNamesPlugin } from "./member-names.ts";
import { DefaultOrderPlugin } from "./default-order.ts";
import { SortCollationPlugin } from "./sort-collation.ts";
import { NullableOrderPlugin } from "./nullable-order.ts";
import { UniqueOrderPlugin } from "./unique-order.ts";
import { maskError } from "./errors.ts";
import { GRAPHQL_PATH } from "./http-errors.ts";
import { pgSettingsFor } from "./pg-settings.ts";
import { oneReadMomentPlugin } from "./one-read-moment.ts";
import { answerBudgetPlugin } from "./answer-budget.ts";
import { pgService, READ_ONLY } from "./pg-transaction.ts";
import { NothingChangedPlugin } from "./nothing-changed.ts";
import { RecordIdsPlugin } from "./record-ids.ts";
import { MAX_REQUEST_BYTES, QueryErrorCodesPlugin } from "./query-errors.ts";
import { WholeCharactersPlugin } from "./whole-characters.ts";
import { DataNeedsASessionPlugin } from "./data-needs-a-session.ts";
import { DomainsAsTextPlugin } from "./domains-as-text.ts";
import { LikePatternsPlugin } from "./like-patterns.ts";
import { EnumConstantsPlugin } from "./enum-constants.ts";
import { MoneyKeysPlugin } from "./money-keys.ts";
import { SavedBeforeTheAnswerPlugin } from "./saved-before-the-answer.ts";
import { SubscriptionsOverWebsocketsPlugin } from "./subscriptions-over-websockets.ts";
import { clinicOfThePageOverWebsocketsPlugin } from "./clinic-of-the-page.ts";
import { queryDocumentsPlugin } from "./query-documents.ts";
import { requestLimitsPlugin } from "./request-limits.ts";
import { VisitQueuePlugin } from "./visit-queue.ts";
import { SubscriptionsPerConnectionPlugin } from "./websocket-limit.ts";
import { sessionState } from "./session-cookie.ts";
import type { ServerSettings } from "./settings.ts";

export interface GraphQLOptions {
  pool: pg.Pool;
  settings: ServerSettings;
  roles: Pick<RoleNames, "visitor">;
}

export function graphqlPreset({ pool, settings, roles }: GraphQLOptions): GraphileConfig.Preset {
  return {
    extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset, PostGraphileConnectionFilterPreset, PgAggregatesPreset],
    plugins: [queryDocumentsPlugin(settings.maxQueryFields), requestLimitsPlugin({ maxDepth: settings.maxQueryDepth, maxInputDepth: settings.maxInputDepth, maxFields: settings.maxQueryFields, maxPageSize: settings.maxPageSize, maxGroups: settings.maxGroups, maxRows: settings.maxQueryRows }), clinicOfThePageOverWebsocketsPlugin(settings), SubscriptionsPerConnectionPlugin, VisitQueuePlugin, QueryErrorCodesPlugin, WholeCharactersPlugin, HavingAggregatesPlugin, AggregatesInTheirDecimalsPlugin, GroupsInKeyOrderPlugin, NothingChangedPlugin, RecordIdsPlugin, DataNeedsASessionPlugin, SubscriptionsOverWebsocketsPlugin, SavedBeforeTheAnswerPlugin, answerBudgetPlugin(settings.maxAnswerBytes), oneReadMomentPlugin(settings.queryTimeoutMs, settings.maxAnswerBytes), LikePatternsPlugin, DomainsAsTextPlugin, EnumConstantsPlugin, MoneyKeysPlugin, DefaultOrderPlugin, UniqueOrderPlugin, SortCollationPlugin, NullableOrderPlugin, sealedCursorsPlugin(settings.jwtSecret), ScalarFormsPlugin, StampMembersPlugin, MemberNamesPlugin],
    pgServices: [pgService(pool)],
    // a filter value left null or empty (a cleared dropdown: "any doctor") filters nothing, as if left out;
    // the plugin's default refused it with an error that reached clients as INTERNAL
    schema: { connectionFilterAllowNullInput: true, connectionFilterAllowEmptyObjectInput: true },
    // a function's arguments without a default are required in the API (a missing id was NOT_FOUND, and the
    // schema called every argument optional)
    gather: { pgStrictFunctions: true },
    grafserv: {
      graphqlPath: GRAPHQL_PATH,
      graphiql: !settings.production,
      graphiqlPath: "/graphiql",
      graphiqlOnGraphQLGET: false,
      websockets: true,
      maxRequestLength: MAX_REQUEST_BYTES,
      // its cache kept refusals, each with its whole document: valid documents are kept by query-documents.ts
      parseAndValidateCacheSize: 0,
      // JSON only (grafserv also took application/graphql and form bodies by default)
      allowedRequestContentTypes: ["application/json"],
      maskError,
    },
    grafast: {
      explain: false,
      context(requestContext, { document, operationName }) {
        const req: IncomingMessage | undefined =
          requestContext.expressv4?.req ?? (requestContext as { ws?: { request?: IncomingMessage } }).ws?.request;
        const state = req ? sessionState(req, settings) : { kind: "anonymous" as const };
        const pgSettings = pgSettingsFor(state.kind === "session" ? state.claims : null, settings, roles);
        // queries and subscriptions read: PostgreSQL refuses their writes, and their results need not wait for `commit`
        const reads = getOperationAST(document, operationName)?.operation !== OperationTypeNode.MUTATION;
        return { pgSettings: reads ? { ...pgSettings, ...READ_ONLY } : pgSettings };
      },
    },
  };
}

export function makeGraphQL(options: GraphQLOptions): PostGraphileInstance {
  return postgraphile(graphqlPreset(options));
}
