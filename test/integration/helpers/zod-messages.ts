// Every message a zod parse failure carries, including those nested in union branches, for tests that
// check a schema explains bad input in words a user can act on.
import type { z } from "zod";

type Issue = z.core.$ZodIssue;

function collect(issues: readonly Issue[], base: PropertyKey[] = []): string[] {
  return issues.flatMap((issue) => {
    const path = [...base, ...issue.path];
    // A union's branch issues have paths relative to the union.
    if (issue.code === "invalid_union") return issue.errors.flatMap((branch) => collect(branch, path));
    return [path.length === 0 ? issue.message : `${path.map(String).join(".")}: ${issue.message}`];
  });
}

/** Messages of a failed parse (prefixed "key.path: " when not at the top); [] when the input is valid. */
export function zodMessages(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  return result.success ? [] : collect(result.error.issues);
}
