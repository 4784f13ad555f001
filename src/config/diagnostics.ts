// Config errors as values: every problem found, each with file, line, column, key path and a hint.
// Commands print them all at once and exit with status 2; nothing here throws for bad input.

export type PathSegment = string | number;

export interface Diagnostic {
  severity: "error" | "warning";
  file: string;
  /** 1-based; 0 when the problem has no place in the file (it could not be read). */
  line: number;
  column: number;
  path: PathSegment[];
  message: string;
}

/** services.forgejo.runs_on[0] */
export function formatPath(path: readonly PathSegment[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? segment : `.${segment}`;
  }
  return text;
}

export function formatDiagnostic(d: Diagnostic): string {
  const place = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const where = d.path.length > 0 ? `${formatPath(d.path)}: ` : "";
  // One diagnostic, one line: a key or value from the file can hold line ends (a YAML key that is a
  // mapping, U+2028 in a string), which are written escaped.
  return `${place}: ${d.severity}: ${where}${d.message}`.replace(/[\n\r\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Thrown only at the edge (the CLI) to carry diagnostics to the exit code; library code returns them. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === "error");
    super(`${errors.length} error${errors.length === 1 ? "" : "s"} in the config:\n${errors.map(formatDiagnostic).join("\n")}`);
  }
}
