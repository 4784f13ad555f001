// Writes a plan's edits (change.ts) into the user's YAML text in place: each edit is a splice at the
// source range the `yaml` Document gives for the node it touches, so every comment, blank line, quote
// style and alignment elsewhere in the file stays exactly as the user wrote it. New values follow the
// style around them: a flow list grows inside its brackets, a host written `{ address: … }` gets a
// sibling written the same way, a block list gets a block item.
import { isMap, isPair, isScalar, isSeq, parseDocument, stringify, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from "yaml";
import type { ConfigEdit } from "./change.js";

/** A scalar as it may stand inside a flow collection (quoted when a comma or colon would break it). */
function scalar(value: unknown): string {
  return stringify([value], { collectionStyle: "flow", flowCollectionPadding: false, lineWidth: 0 }).trim().slice(1, -1);
}

/** A flow rendering on one line, spaced as the seed's files are: `{ strategy: manual-failover, rto: 10m }`, `[O001, H001]`. */
function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(", ")}]`;
  if (value === null || typeof value !== "object") return scalar(value);
  const entries = Object.entries(value);
  return entries.length === 0 ? "{}" : `{ ${entries.map(([key, item]) => `${scalar(key)}: ${flow(item)}`).join(", ")} }`;
}

const FLOW_MAX = 100;

const isObjectList = (value: unknown) => Array.isArray(value) && value.some((entry) => entry !== null && typeof entry === "object");

/** A block rendering in the file's own style: one key per line, values in flow; lists of maps as `- ` items. */
function block(value: unknown, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      const [first = "", ...rest] = block(item, indent + 2).map((line) => line.slice(indent + 2));
      return [`${pad}- ${first}`, ...rest.map((line) => `${pad}  ${line}`)];
    });
  }
  if (value === null || typeof value !== "object") return [`${pad}${flow(value)}`];
  return Object.entries(value).flatMap(([key, item]) => {
    const inline = flow(item);
    if (!isObjectList(item) && (inline.length <= FLOW_MAX || item === null || typeof item !== "object")) return [`${pad}${flow(key)}: ${inline}`];
    return [`${pad}${flow(key)}:`, ...block(item, indent + 2)];
  });
}

function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf("\n", offset - 1) + 1);
}

/** The end of the line holding the last non-blank character before `offset` (after its comment, if any). */
function endOfContentLine(text: string, offset: number): number {
  let at = offset;
  while (at > 0 && /\s/.test(text[at - 1]!)) at--;
  const end = text.indexOf("\n", at);
  return end === -1 ? text.length : end;
}

const splice = (text: string, from: number, to: number, insert: string) => text.slice(0, from) + insert + text.slice(to);

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === key) as Pair | undefined;
}

function nodeAt(doc: Document, path: readonly (string | number)[]): Node | undefined {
  let node: unknown = doc.contents;
  for (const segment of path) {
    if (isMap(node)) node = pairOf(node, String(segment))?.value;
    else if (isSeq(node) && typeof segment === "number") node = node.items[segment];
    else return undefined;
  }
  return node as Node | undefined;
}

function range(node: Node | Pair): [number, number] {
  const r = (isPair(node) ? (node.value as Node | null) : node)?.range;
  if (!r) throw new Error("bug: a YAML node without a source range");
  return [r[0], r[1]];
}

/** Replaces a value in place: a block value (a list or map over several lines) stays block, the rest is flow. */
function replaceValue(text: string, node: Node, value: unknown): string {
  const [start, end] = range(node);
  const isBlock = (isMap(node) || isSeq(node)) && !(node as YAMLMap | YAMLSeq).flow;
  if (!isBlock && flow(value).length <= FLOW_MAX) return splice(text, start, end, flow(value));
  const col = column(text, start);
  const lines = block(value, col);
  return splice(text, start, endOfContentLine(text, end), [lines[0]!.slice(col), ...lines.slice(1)].join("\n"));
}

/** Adds `key: value` to a map: inside the braces of a flow map, or as a new line after a block map's last pair. */
function addPair(text: string, map: YAMLMap, key: string, value: unknown, note?: string, after?: string): string {
  const [start, end] = range(map);
  if (map.flow) {
    const close = text.lastIndexOf("}", end - 1);
    if (map.items.length === 0 || close < start) {
      // An empty `{}` section (services: {}) becomes a block map under its key.
      const lineStart = text.lastIndexOf("\n", start - 1) + 1;
      const keyCol = /^ */.exec(text.slice(lineStart))![0].length + 2;
      let from = start;
      while (text[from - 1] === " ") from--;
      return splice(text, from, end, `\n${entryLines(key, value, keyCol, false, note).join("\n")}`);
    }
    const anchor = after === undefined ? undefined : pairOf(map, after);
    let before = anchor === undefined ? close : range(anchor)[1];
    while (/\s/.test(text[before - 1]!)) before--;
    return splice(text, before, before, `, ${flow(key)}: ${flow(value)}`);
  }
  const first = map.items[0]!;
  // After a related key (standby after primary) when that one holds a single line, else at the end.
  const anchor = after === undefined ? undefined : pairOf(map, after);
  const oneLine = anchor !== undefined && !text.slice(range(anchor.key as Node)[0], range(anchor)[1]).includes("\n");
  const last = oneLine ? anchor : map.items.at(-1)!;
  const keyCol = column(text, range(first.key as Node)[0]);
  const siblingFlow = isMap(last.value) && (last.value as YAMLMap).flow === true;
  const at = endOfContentLine(text, range(last)[1]);
  return splice(text, at, at, `\n${entryLines(key, value, keyCol, siblingFlow, note).join("\n")}`);
}

/**
 * `key: value` lines. A new host or service (`note` given) is written as its last sibling is: one flow
 * line or a block; a key inside a service is one flow line unless it is a list of maps (checks) or long.
 */
function entryLines(key: string, value: unknown, indent: number, asFlow: boolean, note?: string): string[] {
  const pad = " ".repeat(indent);
  const comment = note === undefined ? [] : [`${pad}# ${note}`];
  const inline = flow(value);
  const oneLine = note === undefined ? !isObjectList(value) && inline.length <= FLOW_MAX : asFlow;
  if (oneLine || value === null || typeof value !== "object") return [...comment, `${pad}${flow(key)}: ${inline}`];
  return [...comment, `${pad}${flow(key)}:`, ...block(value, indent + 2)];
}

/** Appends an item to a list: a scalar becomes a flow list, a flow list grows inside its brackets, a block list gets a line. */
function appendItem(text: string, node: Node, value: unknown): string {
  const [start, end] = range(node);
  if (isScalar(node)) return splice(text, start, end, flow([node.value, value]));
  if (!isSeq(node)) throw new Error("bug: a remedy appended to something that is not a list");
  if (node.flow) {
    const close = text.lastIndexOf("]", end - 1);
    let before = close;
    while (/\s/.test(text[before - 1]!)) before--;
    return splice(text, before, before, `${node.items.length === 0 ? "" : ", "}${flow(value)}`);
  }
  const col = column(text, start);
  const at = endOfContentLine(text, end);
  return splice(text, at, at, `\n${block([value], col).join("\n")}`);
}

function spliceOne(text: string, edit: ConfigEdit, note?: string): string {
  const doc = parseDocument(text);
  const path = edit.path;
  const key = String(path.at(-1));
  const parent = nodeAt(doc, path.slice(0, -1));
  if (!isMap(parent)) throw new Error(`bug: a remedy edited ${path.join(".")}, whose parent is not a mapping in the file`);
  const existing = pairOf(parent, key);
  switch (edit.op) {
    case "set": {
      if (existing?.value) return replaceValue(text, existing.value as Node, edit.value);
      return addPair(text, parent, key, edit.value, path.length === 2 ? note : undefined, NEXT_TO[key]);
    }
    case "append": {
      if (existing?.value) return appendItem(text, existing.value as Node, edit.value);
      return addPair(text, parent, key, [edit.value]);
    }
    case "rename": {
      if (!existing?.value) throw new Error(`bug: a remedy renamed ${path.join(".")}, which the file does not have`);
      const replaced = replaceValue(text, existing.value as Node, edit.value);
      const [keyStart, keyEnd] = (existing.key as Node).range!;
      return splice(replaced, keyStart, keyEnd, flow(edit.to));
    }
    case "remove":
      throw new Error(`bug: removing ${path.join(".")} is not written into files (only alternatives remove keys)`);
  }
}

/** Keys written next to the one they go with, rather than at the end of the service. */
const NEXT_TO: Record<string, string> = { standby: "primary" };

/** The text with the edits made, one splice each; `note` labels the hosts and services the edits add. */
export function spliceEdits(text: string, edits: readonly ConfigEdit[], note?: string): string {
  return edits.reduce((current, edit) => spliceOne(current, edit, note), text);
}
