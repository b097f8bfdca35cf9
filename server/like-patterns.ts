/**
 * The filters that look for a text inside another (`includes`, `startsWith`, `endsWith` and their
 * `Insensitive` and `not` forms) find it as it is written, backslashes included. The connection
 * filter builds a LIKE pattern of the text with its `%` and `_` escaped, but not the backslash, which
 * is LIKE's escape character: `includes: "M\\wangi"` matched Mwangi, `startsWith: "\\"` missed a
 * name that starts with one, and a text ending in a backslash was an invalid pattern (an internal
 * fault; `like` given such a pattern is INVALID_INPUT, errors.ts).
 */
export const LikePatternsPlugin: GraphileConfig.Plugin = {
  name: "ClinicOpsLikePatternsPlugin",
  version: "1.0.0",
  after: ["PgConnectionArgFilterPlugin"],
  schema: {
    hooks: {
      build(build) {
        const escapeWildcards = build.escapeLikeWildcards;
        if (!escapeWildcards) throw new Error("ClinicOpsLikePatternsPlugin: the connection filter's escapeLikeWildcards is missing");
        build.escapeLikeWildcards = build.EXPORTABLE(
          (escapeWildcards) => (input: unknown) => escapeWildcards(typeof input === "string" ? input.replaceAll("\\", "\\\\") : input),
          [escapeWildcards],
        );
        return build;
      },
    },
  },
};
