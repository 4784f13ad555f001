// Secrets never sit in the config: a secret is named by `env:NAME` (a variable) or `file:/path`
// (systemd credentials, agenix, sops). They are read at the edge, when used, and never logged.
import { readFile } from "node:fs/promises";
import { z } from "zod";

/** Schema for a secret reference: "env:NAME" or "file:/absolute/path". A literal secret is refused. */
export const secretRef = z
  .string()
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/.+)$/, {
    message: 'a secret reference: "env:NAME" (an environment variable) or "file:/path" (a file holding it); secrets are never written in the config itself',
  })
  .describe('A secret reference: "env:NAME" or "file:/path". The secret itself is never written in the config.');

export class SecretError extends Error {
  override name = "SecretError";
}

/** Reads a secret reference. Trailing newlines of files are trimmed (as `echo > file` leaves one). */
export async function readSecret(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (ref.startsWith("env:")) {
    const name = ref.slice(4);
    const value = env[name];
    if (value === undefined || value === "") {
      throw new SecretError(`secret ${ref}: the environment variable ${name} is not set; export it before starting understudy`);
    }
    return value;
  }
  if (ref.startsWith("file:")) {
    const path = ref.slice(5);
    try {
      return (await readFile(path, "utf8")).replace(/\r?\n$/, "");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
      throw new SecretError(`secret ${ref}: cannot read ${path} (${code}); check the path and that the agent's user may read it`, { cause: error });
    }
  }
  throw new SecretError(`"${ref}" is not a secret reference; use "env:NAME" or "file:/path"`);
}
