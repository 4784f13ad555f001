// Tests that need a system binary (named, sshd, ping, openssl) ask here. Locally a missing binary skips
// the tests with a message naming the Debian package; under CI (process.env.CI) it fails them, so that a
// broken CI image cannot pass by skipping.
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Finds an executable on PATH (plus the sbin directories, where daemons live); undefined when absent. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/sbin", "/usr/bin", "/bin"];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next directory.
    }
  }
  return undefined;
}

/**
 * Returns true when every binary is installed. When one is missing: throws under CI (the test file
 * fails), otherwise prints why and returns false so the caller can `describe.skipIf(!available)`.
 */
export function requireBinaries(packageName: string, ...names: string[]): boolean {
  const missing = names.filter((name) => findBinary(name) === undefined);
  if (missing.length === 0) return true;
  const message = `${missing.join(", ")} not installed: apt-get install -y ${packageName}`;
  if (process.env.CI) throw new Error(`CI must run these tests, but ${message}`);
  console.warn(`skipping: ${message}`);
  return false;
}

/**
 * Returns true when the tests run as root (network namespaces, veth, dropping privileges need it).
 * Otherwise: throws under CI, as a missing binary does, or prints why and returns false.
 */
export function requireRoot(why: string): boolean {
  if (process.getuid?.() === 0) return true;
  const message = `these tests need root (${why}); run them as root`;
  if (process.env.CI) throw new Error(`CI must run these tests, but ${message}`);
  console.warn(`skipping: ${message}`);
  return false;
}
