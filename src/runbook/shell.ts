// Commands in a runbook are copied into a shell at 3 a.m.: every argument from the config is quoted
// so that a space or a `$` in it cannot turn into something else.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quote(argument: string): string {
  if (SAFE.test(argument)) return argument;
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}

export function shellLine(argv: readonly string[]): string {
  return argv.map(quote).join(" ");
}
