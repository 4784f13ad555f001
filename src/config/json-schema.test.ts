// The published JSON Schema (schema/understudy.schema.json, used by editors) is pinned to the zod schema.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configJsonSchema } from "./json-schema.js";

describe("the published JSON Schema", () => {
  it("matches the schema generated from zod (regenerate: node bin/understudy.js schema -o schema/understudy.schema.json)", () => {
    const published = JSON.parse(readFileSync("schema/understudy.schema.json", "utf8"));
    expect(published).toEqual(configJsonSchema());
  });

  it("describes the keys of the config contract", () => {
    const schema = configJsonSchema() as { properties: Record<string, { additionalProperties?: { properties?: Record<string, unknown> } }> };
    const service = schema.properties.services?.additionalProperties?.properties ?? {};
    for (const key of ["runs_on", "primary", "standby", "depends_on", "exposed_via", "role", "criticality", "recovery", "target", "checks", "data"]) {
      expect(service, key).toHaveProperty(key);
    }
  });

  it("every example starts with the yaml-language-server comment", () => {
    expect(readFileSync("examples/homelab.yaml", "utf8").split("\n")[0]).toBe("# yaml-language-server: $schema=../schema/understudy.schema.json");
  });
});
