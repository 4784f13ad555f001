// A small JSON path subset for checking one value of a JSON body: "$", ".key", "['key']", "[0]".
// Enough for health endpoints ("$.status", "$.checks[0].state") without a query-language dependency.
const TOKEN = /^(?:\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\])/;

/** Splits a path into keys and indexes; undefined when it is not in the supported subset. */
export function parseJsonPath(path: string): (string | number)[] | undefined {
  if (!path.startsWith("$")) return undefined;
  const steps: (string | number)[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const match = TOKEN.exec(rest);
    if (match === null) return undefined;
    const [whole, dotted, index, single, double] = match;
    steps.push(index !== undefined ? Number(index) : (dotted ?? single ?? double)!);
    rest = rest.slice(whole.length);
  }
  return steps;
}

/** Looks a parsed path up in a value: { found: false } when a step is missing. */
export function lookupJsonPath(value: unknown, steps: readonly (string | number)[]): { found: true; value: unknown } | { found: false } {
  let current = value;
  for (const step of steps) {
    if (typeof step === "number") {
      if (!Array.isArray(current) || step >= current.length) return { found: false };
      current = current[step] as unknown;
    } else {
      if (current === null || typeof current !== "object" || Array.isArray(current) || !Object.hasOwn(current, step)) return { found: false };
      current = (current as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: current };
}
