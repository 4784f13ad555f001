// The version the agent reports on /healthz and in `understudy status`: the package's own, read once
// from package.json beside src/ and dist/ (both sit one level below it).
import { readFileSync } from "node:fs";

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

export const AGENT_VERSION = readVersion();
