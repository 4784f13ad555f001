// The JSON shapes of etcd's v3 gRPC gateway (etcd 3.4, POST /v3/...) and their translation to the
// contract in etcd-api.ts. Keys and values travel base64-encoded; int64 fields (revisions, lease ids,
// counts) travel as decimal strings and fields at their default value are omitted, so every read here
// supplies the default. Revisions become numbers (safe: a store would need 2^53 writes to overflow);
// lease ids stay decimal strings because they use the full int64 range.
import type { Compare, KeyValue, Operation, WatchEvent } from "./etcd-api.js";

export interface WireKeyValue {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
  version?: string;
  lease?: string;
}

export interface WireHeader {
  revision?: string;
}

export const encode = (text: string): string => Buffer.from(text, "utf8").toString("base64");
export const decode = (base64: string | undefined): string => Buffer.from(base64 ?? "", "base64").toString("utf8");
export const int = (value: string | number | undefined): number => (value === undefined ? 0 : Number(value));

export function toKeyValue(wire: WireKeyValue): KeyValue {
  return {
    key: decode(wire.key),
    value: decode(wire.value),
    createRevision: int(wire.create_revision),
    modRevision: int(wire.mod_revision),
    version: int(wire.version),
    lease: wire.lease ?? "0",
  };
}

/**
 * The range_end that makes `key` a prefix: the key with its last byte below 0xff incremented (etcd's
 * GetPrefixRangeEnd). The empty prefix means every key: key "\0", range_end "\0".
 */
export function prefixRange(prefix: string): { key: string; range_end: string } {
  const bytes = Buffer.from(prefix, "utf8");
  if (bytes.length === 0) return { key: Buffer.from([0]).toString("base64"), range_end: Buffer.from([0]).toString("base64") };
  for (let index = bytes.length - 1; index >= 0; index--) {
    if (bytes[index]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, index + 1));
      end[index] = bytes[index]! + 1;
      return { key: bytes.toString("base64"), range_end: end.toString("base64") };
    }
  }
  return { key: bytes.toString("base64"), range_end: Buffer.from([0]).toString("base64") };
}

/** A key, or a key and range_end when `prefix` is set. */
export function keyRange(key: string, prefix = false): { key: string; range_end?: string } {
  return prefix ? prefixRange(key) : { key: encode(key) };
}

const RESULTS = { equal: "EQUAL", "not-equal": "NOT_EQUAL", greater: "GREATER", less: "LESS" } as const;

export function toWireCompare(compare: Compare): Record<string, unknown> {
  const base = { key: encode(compare.key), result: RESULTS[compare.result] };
  switch (compare.target) {
    case "value":
      return { ...base, target: "VALUE", value: encode(compare.value) };
    case "create":
      return { ...base, target: "CREATE", create_revision: String(compare.value) };
    case "mod":
      return { ...base, target: "MOD", mod_revision: String(compare.value) };
    case "version":
      return { ...base, target: "VERSION", version: String(compare.value) };
    case "lease":
      return { ...base, target: "LEASE", lease: compare.value };
  }
}

export function toWireOperation(operation: Operation): Record<string, unknown> {
  if ("put" in operation) {
    const { key, value, lease } = operation.put;
    return { request_put: { key: encode(key), value: encode(value), ...(lease && lease !== "0" ? { lease } : {}) } };
  }
  if ("delete" in operation) return { request_delete_range: keyRange(operation.delete.key, operation.delete.prefix) };
  return { request_range: keyRange(operation.range.key, operation.range.prefix) };
}

export function toWatchEvent(wire: { type?: string; kv?: WireKeyValue }): WatchEvent {
  return { type: wire.type === "DELETE" ? "delete" : "put", kv: toKeyValue(wire.kv ?? {}) };
}

/**
 * Splits a stream of concatenated JSON objects (the gateway writes one per message, newline separated)
 * into complete objects; keeps the unfinished tail for the next chunk.
 */
export class JsonStreamSplitter {
  private buffer = "";
  private depth = 0;
  private inString = false;
  private escaped = false;
  private scanned = 0;
  private start = -1;

  push(chunk: string): unknown[] {
    this.buffer += chunk;
    const objects: unknown[] = [];
    for (let index = this.scanned; index < this.buffer.length; index++) {
      const char = this.buffer[index];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (char === "\\") this.escaped = true;
        else if (char === '"') this.inString = false;
        continue;
      }
      if (char === '"') this.inString = true;
      else if (char === "{") {
        if (this.depth === 0) this.start = index;
        this.depth++;
      } else if (char === "}" && this.depth > 0) {
        this.depth--;
        if (this.depth === 0) objects.push(JSON.parse(this.buffer.slice(this.start, index + 1)));
      }
    }
    if (this.depth === 0) {
      this.buffer = "";
      this.scanned = 0;
    } else {
      this.buffer = this.buffer.slice(this.start);
      this.start = 0;
      this.scanned = this.buffer.length;
    }
    return objects;
  }
}
