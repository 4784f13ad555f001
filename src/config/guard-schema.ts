// A schema that throws while it checks a value is a config error the user never sees as one: the loader
// gets an exception ("Invalid URL") instead of issues, `validate` exits 70 and a reload logs a stack.
// It happens because zod runs a schema's refinements even after an earlier check of the same schema
// refused the value (z.url() fails, then `.refine((u) => new URL(u)…)` runs on the same bad string), and
// because a transform may call `.parse()` or a constructor that throws. Each kind (probes, notifiers, DNS
// providers, backup targets) is written by a different hand, so instead of trusting every one, the config
// schema is guarded once, here: every refinement, check and transform reachable from it is wrapped so
// that a throw becomes an issue at the value's own key path, with the kind's own message when it has one.
// Kinds should still not throw (the config fuzzer reports the ones that do, see GUARD_MARK).
import type { z } from "zod";

type AnySchema = z.core.$ZodType;
type Payload = z.core.ParsePayload<unknown>;
type RawIssue = z.core.$ZodRawIssue;

/** Every message of a guarded throw starts with this, so tests can tell a caught bug from a real rule. */
export const GUARD_MARK = "this value could not be checked";

const guarded = new WeakSet<object>();

function reasonOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]!.slice(0, 120);
}

/** A ZodError thrown by a nested `.parse()`: its issues are real diagnostics, kept with their paths. */
function nestedIssues(error: unknown): z.core.$ZodIssue[] | undefined {
  if (error === null || typeof error !== "object" || !("issues" in error) || !Array.isArray(error.issues)) return undefined;
  return error.issues as z.core.$ZodIssue[];
}

function issueFor(error: unknown, input: unknown, description: string | undefined, inst?: object): RawIssue[] {
  const nested = nestedIssues(error);
  if (nested) return nested.map((issue) => ({ ...issue, input: undefined }) as RawIssue);
  const own = (inst as { _zod?: { def?: { error?: unknown } } } | undefined)?._zod?.def?.error !== undefined;
  const expected = description ? `; expected ${description.replace(/\.$/, "")}` : "";
  return [{
    code: "custom",
    input,
    // A refinement's own message says what was expected better than the exception does.
    ...(own ? { inst } : { message: `${GUARD_MARK} (${reasonOf(error)})${expected}` }),
    path: [],
    continue: false,
  } as RawIssue];
}

function guardCheck(check: z.core.$ZodCheck<unknown>, description: string | undefined): void {
  if (guarded.has(check)) return;
  guarded.add(check);
  const original = check._zod.check;
  check._zod.check = (payload: Payload) => {
    try {
      return original(payload);
    } catch (error) {
      payload.issues.push(...issueFor(error, payload.value, description, check));
      payload.aborted = true;
    }
  };
}

function guardTransform(def: { transform: (input: unknown, payload: Payload) => unknown }, description: string | undefined): void {
  if (guarded.has(def)) return;
  guarded.add(def);
  const original = def.transform;
  def.transform = (input, payload) => {
    try {
      return original(input, payload);
    } catch (error) {
      payload.issues.push(...issueFor(error, input, description));
      payload.aborted = true;
      return undefined;
    }
  };
}

/** The schemas directly inside this one (shape, items, options, wrapped type…). */
function children(def: Record<string, unknown>): unknown[] {
  const found: unknown[] = [];
  for (const key of ["innerType", "element", "keyType", "valueType", "in", "out", "left", "right", "rest"]) found.push(def[key]);
  if (def.shape && typeof def.shape === "object") found.push(...Object.values(def.shape));
  if (Array.isArray(def.options)) found.push(...(def.options as unknown[]));
  if (Array.isArray(def.items)) found.push(...(def.items as unknown[]));
  if (def.type === "lazy" && typeof def.getter === "function") found.push((def.getter as () => unknown)());
  return found;
}

function isSchema(value: unknown): value is AnySchema {
  return value !== null && typeof value === "object" && "_zod" in value && typeof (value as AnySchema)._zod?.def === "object";
}

/** Guards, in place, every check and transform reachable from `schema`; returns it. Idempotent. */
export function guardSchema<T extends AnySchema>(schema: T): T {
  const seen = new WeakSet<object>();
  const visit = (node: AnySchema, description: string | undefined) => {
    if (seen.has(node)) return;
    seen.add(node);
    const def = node._zod.def as unknown as Record<string, unknown>;
    const own = (node as { description?: string }).description ?? description;
    for (const check of (def.checks as z.core.$ZodCheck<unknown>[] | undefined) ?? []) guardCheck(check, own);
    // A refinement is a schema and a check at once ($ZodCustom): its own check function runs the predicate.
    const custom = node as unknown as z.core.$ZodCheck<unknown>;
    if (def.type === "custom" && typeof custom._zod.check === "function") guardCheck(custom, own);
    if (def.type === "transform" && typeof def.transform === "function") guardTransform(def as never, own);
    for (const child of children(def)) if (isSchema(child)) visit(child, own);
  };
  visit(schema, undefined);
  return schema;
}
