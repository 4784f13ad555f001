// `understudy plan --nix`: the plan as NixOS configuration, step by step and host by host, from the
// remedies' snippets (remedy.ts's `nix`).
import type { ConfigDocument } from "../config/schema.js";
import type { Plan } from "./plan.js";
import { findRemedy } from "./remedies/index.js";
import { indent, nixAttr, nixModule, nixString } from "./nix.js";

/**
 * `plan --nix`: one Nix expression, an attribute set per step holding a NixOS module per host, so the
 * whole output parses (nix-instantiate --parse) and each host's module can be copied as it is.
 */
export function renderNixPlan(plan: Plan, original: ConfigDocument): string {
  const out = [
    "# understudy plan --nix: for each step, the NixOS module that carries it out on each host.",
    "# Secrets follow the seed's agenix style (config.age.secrets.*); addresses of new hosts are placeholders.",
    "{",
  ];
  let before = original;
  for (const step of plan.phases.flatMap((phase) => phase.steps)) {
    const remedy = findRemedy(step.remedy_id);
    const snippets = remedy?.nix?.({ service: step.service ?? "", before, after: step.config }) ?? [];
    before = step.config;
    out.push(`  # Step ${step.step}: ${step.remedy}${step.service === null ? "" : ` (${step.service})`}`);
    if (snippets.length === 0) {
      out.push(`  #   nothing to configure in NixOS${step.understudy === null ? "" : `: ${step.understudy}`}`.replace(/\n/g, " "), "");
      continue;
    }
    const hosts = [...new Set(snippets.map((snippet) => snippet.host ?? "all"))];
    out.push(`  ${nixString(`${step.step}-${step.id}`)} = {`);
    for (const host of hosts) {
      const module = nixModule(snippets.filter((snippet) => (snippet.host ?? "all") === host));
      out.push(`    ${nixAttr(host)} = ${indent(module, 4).trimStart()};`);
    }
    out.push("  };", "");
  }
  out.push("}");
  return out.join("\n");
}
