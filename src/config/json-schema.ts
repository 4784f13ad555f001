// The published JSON Schema, generated from the zod schema so the two cannot drift.
// Editors use it through the yaml-language-server comment at the top of a config file.
import { z } from "zod";
import { configSchema } from "./schema.js";

export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;
  return { ...schema, $id: "https://understudy.dev/schema/understudy.schema.json", title: "Understudy configuration" };
}
