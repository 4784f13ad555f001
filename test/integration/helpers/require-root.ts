// Tests that need root (network namespaces, routes) ask here, as requireBinaries does for binaries: a
// non-root run skips them with a message, except under CI, where it fails them so that a CI image that
// lost root cannot pass by skipping.
export function requireRoot(what: string): boolean {
  if (process.getuid?.() === 0) return true;
  const message = `${what} needs root (it creates network namespaces and routes)`;
  if (process.env.CI) throw new Error(`CI must run these tests, but ${message}: run them as root`);
  console.warn(`skipping: ${message}`);
  return false;
}
