// The gateway's wire format, without etcd: prefix ranges at byte boundaries and the splitter that cuts
// the watch stream into messages wherever the network cut it.
import { describe, expect, it } from "vitest";
import { JsonStreamSplitter, prefixRange, toWireCompare } from "./etcd-wire.js";

const bytes = (base64: string) => [...Buffer.from(base64, "base64")];

describe("prefixRange", () => {
  it("increments the last byte, carrying past 0xff, and means every key for the empty prefix", () => {
    expect(bytes(prefixRange("/a/").range_end)).toEqual([...Buffer.from("/a0")]);
    expect(bytes(prefixRange("a\u00ff").range_end)).toEqual([0x61, 0xc3, 0xc0]); // UTF-8 c3 bf → c3 c0
    expect(bytes(prefixRange("").key)).toEqual([0]);
    expect(bytes(prefixRange("").range_end)).toEqual([0]);
  });
});

describe("toWireCompare", () => {
  it("sends int64 targets as decimal strings under the field etcd reads for the target", () => {
    expect(toWireCompare({ key: "k", target: "create", result: "equal", value: 0 })).toEqual({ key: "aw==", target: "CREATE", result: "EQUAL", create_revision: "0" });
    expect(toWireCompare({ key: "k", target: "lease", result: "not-equal", value: "7587" })).toEqual({ key: "aw==", target: "LEASE", result: "NOT_EQUAL", lease: "7587" });
  });
});

describe("JsonStreamSplitter", () => {
  it("yields whole messages however the stream is chunked, braces inside strings included", () => {
    const messages = [{ result: { a: "}{\\\"" } }, { result: { events: [{ kv: { key: "e30=" } }] } }, { error: { message: "x" } }];
    const text = messages.map((message) => JSON.stringify(message)).join("\n") + "\n";
    for (let size = 1; size <= text.length; size += 7) {
      const splitter = new JsonStreamSplitter();
      const out: unknown[] = [];
      for (let index = 0; index < text.length; index += size) out.push(...splitter.push(text.slice(index, index + size)));
      expect(out).toEqual(messages);
    }
  });
});
