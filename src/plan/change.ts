// A remedy's fix as data: the keys it adds or changes, written as a user writes them in the file
// ("rto: 1m", "mount: { path, options }"). The same edits change the validated config in memory (here:
// each value goes through the schema of the place it lands in, so it carries the defaults a file would
// get) and the user's file on disk (yaml-splice.ts), so that what `plan` measures is what `--apply` writes.
import { formatPath } from "../config/diagnostics.js";
import { checkSchema, hostSchema, serviceSchema, type ConfigDocument } from "../config/schema.js";
import { findProbeKind } from "../probes/registry.js";

/** Where an edit lands: a host, a service, a key of a service, or one check's probe ("mount", "tls"…). */
export type EditPath =
  | readonly ["hosts", string]
  | readonly ["services", string]
  | readonly ["services", string, string]
  | readonly ["services", string, "checks", number, string];

export type ConfigEdit =
  /** Adds or replaces the value at the path. */
  | { op: "set"; path: EditPath; value: unknown }
  /** Adds one item to a list (runs_on, standby, exposed_via, checks); a single value becomes a list. */
  | { op: "append"; path: readonly ["services", string, string]; value: unknown }
  /** Replaces a service key by another in the same place (runs_on: [A] → primary: A). */
  | { op: "rename"; path: readonly ["services", string, string]; to: string; value: unknown }
  /** Removes a key (a hosted control plane has no hosts of ours). */
  | { op: "remove"; path: readonly ["services", string, string] | readonly ["services", string, "checks", number, string] };

type Json = Record<string, unknown>;

function serviceKeySchema(key: string) {
  const schema = (serviceSchema.shape as Record<string, { parse(value: unknown): unknown } | undefined>)[key];
  if (schema === undefined) throw new Error(`bug: a remedy wrote services.*.${key}, which is not a service key`);
  return schema;
}

/** The value as the validated config holds it: parsed by the schema of the place it lands in. */
function parsedValue(path: EditPath, value: unknown): unknown {
  if (path[0] === "hosts") return hostSchema.parse(value);
  if (path.length === 2) return serviceSchema.parse(value);
  if (path.length === 3) return serviceKeySchema(path[2]).parse(value);
  const kind = findProbeKind(path[4]);
  if (kind === undefined) throw new Error(`bug: a remedy wrote a "${path[4]}" check, which is not a probe kind`);
  return kind.schema.parse(value);
}

/** One list item as the validated config holds it. */
function parsedItem(key: string, value: unknown): unknown {
  return key === "checks" ? checkSchema.parse(value) : value;
}

/** A copy of the config with the edits made. Pure: the input (often frozen) is never modified. */
export function applyEdits(doc: ConfigDocument, edits: readonly ConfigEdit[]): ConfigDocument {
  if (edits.length === 0) return doc;
  const next = structuredClone(doc) as unknown as Json;
  for (const edit of edits) {
    const path = edit.path;
    const parent = path.slice(0, -1).reduce<Json>((node, segment) => {
      const child = node[segment as string] as Json | undefined;
      if (child === undefined || child === null) throw new Error(`bug: a remedy edited ${formatPath(path)}, which the config does not have`);
      return child;
    }, next);
    const key = path.at(-1) as string;
    if (edit.op === "set") parent[key] = parsedValue(edit.path, edit.value);
    else if (edit.op === "append") parent[key] = [...((parent[key] as unknown[] | undefined) ?? []), parsedItem(key, edit.value)];
    else if (edit.op === "remove") delete parent[key];
    else {
      delete parent[key];
      parent[edit.to] = serviceKeySchema(edit.to).parse(edit.value);
    }
  }
  return next as unknown as ConfigDocument;
}
