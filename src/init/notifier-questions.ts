// The notifier questions of `understudy init`, for every kind in the notifier registry: each kind's own
// schema says which keys it needs and what they mean, so a kind added to the registry is offered here
// without a line of init code. A secret key is never asked for: the config names an environment
// variable (KIND_KEY) and init says to export it. An answer is checked against the key's schema and
// asked again with what was expected; the whole notifier is checked against its kind's schema last.
import type { ZodType } from "zod";
import { notifierKinds } from "../notify/registry.js";
import type { NotifierAnswer } from "./answers.js";
import { AnswerError } from "./answers.js";
import type { Conversation } from "./until.js";
import { until } from "./until.js";

export const NOTIFIER_KINDS: readonly string[] = notifierKinds.map((kind) => kind.kind);

interface Field {
  key: string;
  schema: ZodType;
  required: boolean;
  secret: boolean;
  /** "array" answers are split at commas and spaces, "number" answers are numbers, anything else is text. */
  type: string;
  description: string;
}

type Def = { type: string; innerType?: ZodType; in?: ZodType };

function baseType(schema: ZodType): string {
  let def = (schema as unknown as { def: Def }).def;
  for (;;) {
    const inner = def.innerType ?? (def.type === "pipe" ? def.in : undefined);
    if (inner === undefined || !["optional", "default", "prefault", "nullable", "pipe", "readonly"].includes(def.type)) return def.type;
    def = (inner as unknown as { def: Def }).def;
  }
}

/** The keys of a notifier kind, from its schema (a strict object). */
export function fieldsOf(kind: string): Field[] {
  const found = notifierKinds.find((candidate) => candidate.kind === kind);
  const shape = (found?.schema as unknown as { shape?: Record<string, ZodType> } | undefined)?.shape ?? {};
  return Object.entries(shape).map(([key, schema]) => ({
    key,
    schema,
    required: !schema.safeParse(undefined).success,
    // A secret reference takes env:NAME and refuses a value written as is.
    secret: schema.safeParse("env:UNDERSTUDY_INIT").success && !schema.safeParse("written-in-the-config").success,
    type: baseType(schema),
    description: schema.description ?? "",
  }));
}

export const secretVariable = (kind: string, key: string) => `${kind}_${key}`.toUpperCase().replace(/[^A-Z0-9_]/g, "_");

function parseValue(field: Field, answer: string): unknown {
  const value = field.type === "array" ? answer.split(/[\s,]+/).filter((part) => part !== "") : field.type === "number" ? Number(answer) : answer;
  const parsed = field.schema.safeParse(value);
  if (!parsed.success) throw new AnswerError(`That is not a ${field.key}: ${parsed.error.issues[0]?.message ?? "not accepted"}. ${field.description}`);
  return value;
}

async function askField(talk: Conversation, kind: string, field: Field, spec: Record<string, unknown>, secrets: string[]): Promise<void> {
  if (field.secret) {
    if (!field.required) {
      const use = await until(talk, `${kind} ${field.key}: ${field.description} Use one? (y/N): `, (answer) => {
        if (!/^(y|yes|n|no|)$/i.test(answer)) throw new AnswerError("Please answer y or n (Enter means no).");
        return /^y/i.test(answer);
      });
      if (!use) return;
    }
    const variable = secretVariable(kind, field.key);
    spec[field.key] = `env:${variable}`;
    secrets.push(variable);
    talk.say(`  ${field.key} is a secret: the config reads it from $${variable}; export it where the agent runs.`);
    return;
  }
  const value = await until(talk, `${kind} ${field.key}${field.required ? "" : " (Enter to skip)"}: ${field.description}\n  > `, (answer) => {
    if (answer === "") {
      if (field.required) throw new AnswerError(`Please type the ${field.key}, or press Ctrl-C to stop.`);
      return undefined;
    }
    return parseValue(field, answer);
  });
  if (value !== undefined) spec[field.key] = value;
}

/** Asks for one notifier of `kind`: its required keys, then (when those are not enough) its optional ones. */
export async function askNotifierOf(talk: Conversation, kind: string): Promise<NotifierAnswer> {
  const fields = fieldsOf(kind);
  const schema = notifierKinds.find((candidate) => candidate.kind === kind)!.schema as ZodType;
  const spec: Record<string, unknown> = {};
  const secrets: string[] = [];
  for (const field of fields.filter((candidate) => candidate.required)) await askField(talk, kind, field, spec, secrets);
  let checked = schema.safeParse(spec);
  if (!checked.success) {
    talk.say(`  ${kind} needs more: ${checked.error.issues[0]?.message ?? "more keys"}.`);
    for (const field of fields.filter((candidate) => !candidate.required)) {
      await askField(talk, kind, field, spec, secrets);
      if (schema.safeParse(spec).success) break;
    }
    checked = schema.safeParse(spec);
    if (!checked.success) throw new AnswerError(`this ${kind} notifier is not complete (${checked.error.issues[0]?.message}); it was left out: add it to notify: by hand`);
  }
  return { kind, spec, secrets };
}
