// Turns zod's issues into messages a person can act on: what was found, what was expected, and a
// suggestion for misspelt keys and values. Positions are added by the loader, which knows the file.
import type { z } from "zod";
import { didYouMean } from "./suggest.js";
import type { PathSegment } from "./diagnostics.js";
import { SECRET_REF_PATTERN } from "./secret.js";

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

export interface PlainProblem {
  path: PathSegment[];
  message: string;
}

/** Strips wrappers (optional, default, pipe…) to the schema that gives the shape. */
export function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: AnySchema; in?: AnySchema };
    if (def.innerType && ["optional", "default", "prefault", "nullable", "readonly", "catch"].includes(def.type)) current = def.innerType;
    else if (def.type === "pipe" && def.in) current = def.in;
    else return current;
  }
}

function variants(schema: AnySchema): AnySchema[] {
  const inner = unwrap(schema);
  const def = inner._zod.def as { type: string; options?: AnySchema[] };
  return def.type === "union" && def.options ? def.options.flatMap(variants) : [inner];
}

/** The schemas that may apply at this place (all variants of a union together). */
function schemasAt(schema: AnySchema, path: readonly PathSegment[]): AnySchema[] {
  let candidates = variants(schema);
  for (const segment of path) {
    const next: AnySchema[] = [];
    for (const candidate of candidates) {
      const def = candidate._zod.def as { type: string; shape?: Record<string, AnySchema>; valueType?: AnySchema; element?: AnySchema };
      if (def.type === "object" && typeof segment === "string" && def.shape?.[segment]) next.push(...variants(def.shape[segment]));
      else if (def.type === "record" && def.valueType) next.push(...variants(def.valueType));
      else if (def.type === "array" && def.element && typeof segment === "number") next.push(...variants(def.element));
    }
    candidates = next;
  }
  return candidates;
}

/** The keys an object schema at this place accepts (all variants of a union together). */
export function keysAt(schema: AnySchema, path: readonly PathSegment[]): string[] {
  return [...new Set(schemasAt(schema, path).flatMap((candidate) => Object.keys((candidate._zod.def as { shape?: object }).shape ?? {})))];
}

/** Whether this place holds a secret reference (secret.ts): what the user wrote there is never repeated. */
export function isSecretAt(schema: AnySchema, path: readonly PathSegment[]): boolean {
  return schemasAt(schema, path).some((candidate) =>
    ((candidate._zod.def as { checks?: AnySchema[] }).checks ?? []).some((check) => (check._zod.def as { pattern?: RegExp }).pattern === SECRET_REF_PATTERN));
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return typeof value === "string" ? "a string" : `a ${typeof value}`;
}

/** The value as a message may show it; at a secret's place only its kind: a typed-in password is never printed. */
function shown(value: unknown, schema: AnySchema, path: readonly PathSegment[]): string {
  return value !== undefined && isSecretAt(schema, path) ? `${kindOf(value)} (not shown: this key holds a secret)` : describeAny(value);
}

function describeAny(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

const TYPE_WORDS: Record<string, string> = { object: "a mapping (key: value)", record: "a mapping (key: value)", array: "a list", string: "a string", number: "a number", boolean: "true or false" };

function explain(issue: Issue, schema: AnySchema, input: unknown, base: PathSegment[]): PlainProblem[] {
  const path = [...base, ...(issue.path as PathSegment[])];
  const value = valueAt(input, path);
  switch (issue.code) {
    case "invalid_type": {
      // A schema may say what it expects in its own words ("expected a duration such as …").
      const expected = issue.message.startsWith("expected ") ? issue.message.slice(9) : TYPE_WORDS[issue.expected] ?? issue.expected;
      if (value === undefined) return [{ path, message: `missing required key; expected ${expected}` }];
      return [{ path, message: `expected ${expected}, got ${shown(value, schema, path)}` }];
    }
    case "unrecognized_keys": {
      const known = keysAt(schema, path);
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `unknown key "${key}"${didYouMean(key, known)}${known.length > 0 && known.length <= 16 ? `; allowed here: ${known.join(", ")}` : ""}`,
      }));
    }
    case "invalid_value": {
      const allowed = issue.values.map((v) => JSON.stringify(v));
      const hint = typeof value === "string" && !isSecretAt(schema, path) ? didYouMean(value, issue.values.map(String)) : "";
      return [{ path, message: `expected ${allowed.length === 1 ? allowed[0] : `one of ${allowed.join(", ")}`}, got ${shown(value, schema, path)}${hint}` }];
    }
    case "invalid_union":
      return explainUnion(issue, schema, input, path);
    case "invalid_key":
      return [{ path, message: `invalid name "${String(path.at(-1))}": ${issue.issues.map((inner) => inner.message).join("; ")}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** A union failed: report the branch the user most plausibly meant, or the list of shapes accepted. */
function explainUnion(issue: Extract<Issue, { code: "invalid_union" }>, schema: AnySchema, input: unknown, path: PathSegment[]): PlainProblem[] {
  const value = valueAt(input, path);
  const branches = issue.errors.filter((branch) => !branch.some((inner) => inner.code === "invalid_type" && inner.path.length === 0));
  if (branches.length === 0) {
    const expected = [...new Set(issue.errors.flatMap((branch) => branch.filter((i) => i.code === "invalid_type").map((i) => (i as { expected: string }).expected)))];
    return [{ path, message: `expected ${expected.map((e) => TYPE_WORDS[e] ?? e).join(" or ")}, got ${shown(value, schema, path)}` }];
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const given = Object.keys(value);
    const ranked = branches
      .map((branch) => ({ branch, known: branch.filter((i) => i.code === "unrecognized_keys").flatMap((i) => (i as { keys: string[] }).keys) }))
      // A branch that is a single value ("local") is no match for a mapping, whatever its keys.
      .map(({ branch, known }) => ({ branch, overlap: branch.some((i) => i.code === "invalid_value" && i.path.length === 0) ? -1 : given.filter((key) => !known.includes(key)).length }))
      .sort((a, b) => b.overlap - a.overlap);
    if (ranked[0] && ranked[0].overlap === 0) {
      const allowed = keysAt(schema, path);
      const hints = given.map((key) => didYouMean(key, allowed)).filter(Boolean).join("");
      return [{ path, message: `expected a mapping with one of the keys ${allowed.join(", ")}, got keys ${given.join(", ") || "(none)"}${hints}` }];
    }
    if (ranked[0]) return ranked[0].branch.flatMap((inner) => explain(inner, schema, input, path));
  }
  return (branches[0] ?? []).flatMap((inner) => explain(inner, schema, input, path));
}

/** All of zod's issues as plain problems, in document order of their paths. */
export function explainIssues(issues: readonly Issue[], schema: AnySchema, input: unknown): PlainProblem[] {
  return issues.flatMap((issue) => explain(issue, schema, input, []));
}
