// What a command loads before it runs: the static import graph of the CLI's modules, read with the
// TypeScript parser. `import type` is erased and `import()` runs only when reached, so neither counts;
// every other import and re-export does. `understudy --help` must load no command module and no
// dependency but picocolors; `validate` and `analyze` must not load the cloudflare SDK (655 ms of every
// command before) nor any of the agent's servers, stores and loggers. Timings are in bench/cli-startup.js.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

/** Runtime imports of one file: module specifiers that load when the file loads. */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  const found: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly && ts.isStringLiteral(statement.moduleSpecifier)) found.push(statement.moduleSpecifier.text);
    if (ts.isExportDeclaration(statement) && !statement.isTypeOnly && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) found.push(statement.moduleSpecifier.text);
  }
  return found;
}

/** Every source file and package loaded, transitively, when `entry` loads. */
function staticGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of runtimeImports(file)) {
      if (specifier.startsWith(".")) {
        const target = resolve(dirname(file), specifier.replace(/\.js$/, ".ts"));
        if (!existsSync(target)) throw new Error(`${relative(ROOT, file)} imports ${specifier}, which does not exist`);
        visit(target);
      } else if (!specifier.startsWith("node:")) {
        packages.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!);
      }
    }
  };
  visit(join(ROOT, entry));
  return { files: new Set([...files].map((file) => relative(ROOT, file))), packages };
}

const AGENT_ONLY = ["cloudflare", "hono", "@hono/node-server", "pino", "prom-client", "better-sqlite3", "nodemailer", "cron-parser"];

describe("what each command loads", () => {
  it("--help and an unknown command load the entry point alone: no command module, no package but picocolors", () => {
    const { files, packages } = staticGraph("src/cli/main.ts");
    expect([...packages]).toEqual(["picocolors"]);
    expect([...files].filter((file) => !["src/cli/main.ts", "src/cli/io.ts", "src/cli/wrap.ts", "src/cli/commands.ts", "src/config/suggest.ts"].includes(file))).toEqual([]);
  });

  it.each(["src/cli/validate.ts", "src/cli/analyze.ts"])("%s loads no cloudflare SDK and nothing only the agent needs", (entry) => {
    const { packages } = staticGraph(entry);
    expect([...packages].filter((name) => AGENT_ONLY.includes(name))).toEqual([]);
    expect(packages).toContain("zod"); // the graph is real: the config schema is in it
  });

  it("every command in the list loads a module that exists and exports its usage and function", async () => {
    const { commands } = await import("./commands.js");
    for (const [name, command] of Object.entries(commands)) {
      const loaded = await command.load();
      expect(loaded.usage, name).toMatch(/^Usage: understudy /);
      expect(typeof loaded.run, name).toBe("function");
    }
  });
});
