// Loads a config file: read → YAML parse (JSON is YAML) → schema → cross-field rules → frozen document.
// Every problem is returned at once, each placed at its file, line and column.
import { readFileSync } from "node:fs";
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { configSchema, hostSchema, serviceSchema, type ConfigDocument } from "./schema.js";
import { explainIssues, unwrap } from "./zod-issues.js";
import type { z } from "zod";
import { checkRules } from "./rules.js";
import type { Diagnostic, PathSegment } from "./diagnostics.js";

export type LoadResult =
  | { ok: true; config: ConfigDocument; warnings: Diagnostic[]; file: string }
  | { ok: false; diagnostics: Diagnostic[]; file: string };

/** Finds the YAML node for a path (or, for `key: true`, the key itself); falls back to the nearest parent. */
function nodeAt(doc: Document, path: readonly PathSegment[], key: boolean): Node | undefined {
  let current: unknown = doc.contents;
  let found = current as Node | undefined;
  for (const [index, segment] of path.entries()) {
    const last = index === path.length - 1;
    if (isMap(current)) {
      const pair = current.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return found;
      current = last && key ? pair.key : pair.value;
    } else if (isSeq(current) && typeof segment === "number") {
      current = current.items[segment];
    } else {
      return found;
    }
    if (current && typeof current === "object" && "range" in current) found = current as Node;
  }
  return found;
}

function place(doc: Document, lines: LineCounter, path: readonly PathSegment[], message: string) {
  // Unknown keys point at the key; everything else at the value.
  const node = nodeAt(doc, path, message.startsWith("unknown key"));
  const offset = node?.range?.[0] ?? 0;
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

/** Every mapping key that is itself a mapping or a list, anywhere under `node`. */
function collectionKeys(node: unknown, found: Node[] = []): Node[] {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (isMap(pair.key) || isSeq(pair.key)) found.push(pair.key);
      collectionKeys(pair.value, found);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) collectionKeys(item, found);
  }
  return found;
}

/** Parses and validates config text. Pure: `file` only labels the diagnostics. */
export function parseConfig(text: string, file: string): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const syntax: Diagnostic[] = doc.errors.map((e) => {
    const { line, col } = lines.linePos(e.pos[0]);
    return { severity: "error", file, line, column: col, path: [], message: `${e.message.split("\n")[0]} (YAML syntax)` };
  });
  if (syntax.length > 0) return { ok: false, diagnostics: syntax, file };
  // The yaml library would turn such a key into a string and print a warning of its own on stderr.
  const complexKeys = collectionKeys(doc.contents).map((key): Diagnostic => {
    const { line, col } = lines.linePos(key.range?.[0] ?? 0);
    return { severity: "error", file, line, column: col, path: [], message: `a key here is a ${isSeq(key) ? "list" : "mapping"} (YAML "? " or "[…]:" / "{…}:" syntax); keys must be plain names: write the name, then ":"` };
  });
  if (complexKeys.length > 0) return { ok: false, diagnostics: complexKeys, file };

  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // The yaml library refuses alias expansions past the limit ("billion laughs"): bad input, not a bug.
    return { ok: false, file, diagnostics: [{ severity: "error", file, line: 1, column: 1, path: [], message: `${(error as Error).message}; expand fewer YAML aliases (*name)` }] };
  }
  if (input === null || input === undefined) {
    return { ok: false, file, diagnostics: [{ severity: "error", file, line: 1, column: 1, path: [], message: "the file is empty; expected a mapping with version: 1, hosts and services (see examples/homelab.yaml)" }] };
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const diagnostics: Diagnostic[] = explainIssues(parsed.error.issues, configSchema, input).map(({ path, message }) => ({
      severity: "error", file, path, message, ...place(doc, lines, path, message),
    }));
    // Cross-field problems of the parts that did parse are reported now too, not after the next fix.
    // A rule about a place the schema already refused would only say the same thing again.
    const partial = salvage(input);
    const refused = diagnostics.map((d) => d.path);
    const overlaps = (a: readonly PathSegment[], b: readonly PathSegment[]) => a.slice(0, b.length).every((segment, i) => segment === b[i]) || b.slice(0, a.length).every((segment, i) => segment === a[i]);
    const more = partial ? checkRules(partial)
      .filter((p) => p.severity === "error" && !refused.some((path) => overlaps(path, p.path)))
      .map(({ severity, path, message }): Diagnostic => ({ severity, file, path, message, ...place(doc, lines, path, message) })) : [];
    return { ok: false, diagnostics: sortByPlace([...diagnostics, ...more]), file };
  }
  const problems = checkRules(parsed.data).map(({ severity, path, message }): Diagnostic => ({
    severity, file, path, message, ...place(doc, lines, path, message),
  }));
  const errors = problems.filter((p) => p.severity === "error");
  if (errors.length > 0) return { ok: false, diagnostics: sortByPlace(problems), file };
  return { ok: true, config: deepFreeze(parsed.data), warnings: sortByPlace(problems), file };
}

/** Reads and validates a config file; an unreadable file is a diagnostic, not an exception. */
export function loadConfig(file: string): LoadResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : String(code);
    return { ok: false, file, diagnostics: [{ severity: "error", file, line: 0, column: 0, path: [], message: `cannot read the config (${why}); pass --config FILE or create understudy.yaml (examples/homelab.yaml is a start)` }] };
  }
  return parseConfig(text, file);
}

/**
 * The valid parts of an invalid document, for the cross-field rules: every host and service that parses
 * on its own, and a bare placeholder for each that does not (so references to it are not reported twice).
 */
function salvage(input: unknown): ConfigDocument | undefined {
  if (input === null || typeof input !== "object") return undefined;
  const raw = input as Record<string, unknown>;
  const section = <T>(value: unknown, schema: { safeParse(v: unknown): { success: boolean; data?: T } }, placeholder: T): Record<string, T> => {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
    return Object.fromEntries(Object.entries(value).map(([name, item]) => {
      const result = schema.safeParse(item);
      return [name, result.success ? (result.data as T) : placeholder];
    }));
  };
  const hosts = section(raw.hosts, hostSchema, hostSchema.parse({ address: "placeholder" }));
  const services = section(raw.services, serviceSchema, serviceSchema.parse({}));
  const document: Record<string, unknown> = { ...configSchema.parse({ version: 1, hosts: {}, services: {} }), hosts, services };
  // Other named sections (backup targets…): an invalid entry still exists as a name others may refer to.
  for (const [key, schema] of Object.entries(configSchema.shape)) {
    if (key === "hosts" || key === "services" || raw[key] === undefined) continue;
    const whole = schema.safeParse(raw[key]);
    if (whole.success) {
      document[key] = whole.data;
      continue;
    }
    const def = unwrap(schema)._zod.def as { type: string; valueType?: z.ZodType };
    if (def.type === "record" && def.valueType && raw[key] !== null && typeof raw[key] === "object") {
      const valueType = def.valueType;
      document[key] = Object.fromEntries(Object.entries(raw[key] as object).map(([name, item]) => {
        const entry = valueType.safeParse(item);
        return [name, entry.success ? entry.data : {}];
      }));
    }
  }
  return document as ConfigDocument;
}

function sortByPlace(list: Diagnostic[]): Diagnostic[] {
  return list.sort((a, b) => a.line - b.line || a.column - b.column);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
