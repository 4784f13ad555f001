// The generic webhook's JSON template: a JSON value whose strings may hold {{title}}, {{body}},
// {{severity}}, {{event}}, {{key}}, {{url}}, {{at}} and {{fields.x}} (dots go deeper: fields.root.host).
// Substitution happens on the parsed value and the result is serialised afterwards, so a title with
// quotes or newlines can never break the JSON. A string that is exactly one placeholder takes the
// value's own JSON type ("{{fields.children}}" → an array), anything else is text.
import type { Notification } from "./notifier.js";

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;
const WHOLE = /^\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}$/;
const TOP = new Set(["title", "body", "severity", "event", "key", "url", "at"]);

export const DEFAULT_TEMPLATE = {
  key: "{{key}}",
  event: "{{event}}",
  severity: "{{severity}}",
  title: "{{title}}",
  body: "{{body}}",
  url: "{{url}}",
  at: "{{at}}",
  fields: "{{fields}}",
};

/** Names in the template that are not placeholders we know, for a config error that names them. */
export function unknownPlaceholders(template: unknown): string[] {
  const bad = new Set<string>();
  walk(template, (text) => {
    for (const [, name] of text.matchAll(PLACEHOLDER)) if (!isKnown(name!)) bad.add(name!);
    return text;
  });
  return [...bad];
}

function isKnown(name: string): boolean {
  return TOP.has(name) || name === "fields" || name.startsWith("fields.");
}

function lookup(n: Notification, name: string): unknown {
  if (name === "fields") return n.fields;
  if (name.startsWith("fields.")) {
    let value: unknown = n.fields;
    for (const part of name.slice(7).split(".")) {
      value = value !== null && typeof value === "object" && Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined;
    }
    return value;
  }
  if (name === "at") return new Date(n.at).toISOString();
  return TOP.has(name) ? (n as unknown as Record<string, unknown>)[name] : undefined;
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function walk(value: unknown, onString: (text: string) => unknown): unknown {
  if (typeof value === "string") return onString(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, onString));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, onString)]));
  }
  return value;
}

/** Fills the template with the notification; missing values become "" (or null for a whole placeholder). */
export function renderTemplate(template: unknown, n: Notification): unknown {
  return walk(template, (text) => {
    const whole = WHOLE.exec(text);
    if (whole) return lookup(n, whole[1]!) ?? null;
    return text.replace(PLACEHOLDER, (_match, name: string) => asText(lookup(n, name)));
  });
}
