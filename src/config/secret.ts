// Secrets never sit in the config: a secret is named by `env:NAME` (a variable) or `file:/path`
// (systemd credentials, agenix, sops). They are read at the edge, when used, and never logged.
import { readFile } from "node:fs/promises";
import { z } from "zod";

/** What a secret reference looks like; anything else may be the secret itself and is never shown. */
export const SECRET_REF_PATTERN = /^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/.+)$/;

/** Schema for a secret reference: "env:NAME" or "file:/absolute/path". A literal secret is refused. */
export const secretRef = z
  .string()
  .regex(SECRET_REF_PATTERN, {
    message: 'a secret reference: "env:NAME" (an environment variable) or "file:/path" (a file holding it); secrets are never written in the config itself',
  })
  .describe('A secret reference: "env:NAME" or "file:/path". The secret itself is never written in the config.');

export class SecretError extends Error {
  override name = "SecretError";
}

/** Reads a secret reference. Trailing newlines of files are trimmed (as `echo > file` leaves one). */
export async function readSecret(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  // Not a reference: it may well be the secret itself (a password typed into the config), so never echo it.
  if (!SECRET_REF_PATTERN.test(ref)) throw new SecretError(`${describeSecretRef(ref)} is not a secret reference; use "env:NAME" or "file:/path"`);
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
  throw new SecretError(`${describeSecretRef(ref)} is not a secret reference; use "env:NAME" or "file:/path"`);
}

/** A reference as it may be shown in a message: the reference itself, or a placeholder for a literal value. */
export function describeSecretRef(ref: string): string {
  return SECRET_REF_PATTERN.test(ref) ? ref : "a literal value (not shown)";
}
