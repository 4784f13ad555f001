// Nix text for the remedies' NixOS snippets (remedy.ts's `nix`), and the whole `plan --nix` output:
// per step, a module per host in the seed's own style (`services.cloudflared = { … };`).
import type { ConfigDocument } from "../config/schema.js";
import type { NixContext, NixSnippet } from "./remedy.js";
import { placed } from "./edit.js";

/** A Nix string literal. */
export function nixString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$\{/g, "\\${")}"`;
}

/** A Nix list of strings: [ "soft" "nofail" ]. */
export function nixList(items: readonly string[]): string {
  return items.length === 0 ? "[ ]" : `[ ${items.map(nixString).join(" ")} ]`;
}

/** An attribute name, quoted unless it is a plain identifier: headscale, "/nfs/h002". */
export function nixAttr(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(name) ? name : nixString(name);
}

/** Indents every line but blank ones. */
export function indent(text: string, by = 2): string {
  return text.split("\n").map((line) => (line === "" ? line : `${" ".repeat(by)}${line}`)).join("\n");
}

/** The file paths a service declares as data (sqlite files and paths), for backups. */
export function dataPaths(doc: ConfigDocument, service: string): string[] {
  return (doc.services[service]?.data ?? []).flatMap((item) => ("sqlite" in item ? [item.sqlite] : "path" in item ? [item.path] : []));
}

/** One NixOS module: `{ config, lib, ... }: { … }`, parsable by nix-instantiate --parse. */
export function nixModule(snippets: readonly NixSnippet[]): string {
  return `{ config, lib, pkgs, ... }:\n{\n${snippets.map((snippet) => indent(snippet.body)).join("\n\n")}\n}`;
}


/** A standby's stopped unit: the service configured on every host, started at boot only on the primary. */
export function standbyNix({ service, after }: NixContext): NixSnippet[] {
  const [primary, ...standbys] = placed(after.services[service]!);
  const unit = nixAttr(service);
  return [
    { host: primary ?? null, body: `services.${unit}.enable = true;` },
    ...standbys.map((host) => ({
      host,
      body: [
        `# The standby: configured like ${primary ?? "the primary"}, its unit stopped until Understudy promotes it`,
        `services.${unit}.enable = true;`,
        `systemd.services.${unit}.wantedBy = lib.mkForce [ ];`,
      ].join("\n"),
    })),
  ];
}
