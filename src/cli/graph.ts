// `understudy graph`: the topology as a diagram, Mermaid (for Markdown) or Graphviz DOT, SPOFs marked.
import { analyze } from "../analysis/analyze.js";
import { toDot } from "../graph/dot.js";
import { toMermaid } from "../graph/mermaid.js";
import { UsageError, writeLine, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, loadTopology, parseFlags } from "./options.js";
import { didYouMean } from "../config/suggest.js";

export const usage = `Usage: understudy graph [--config FILE] [--format mermaid|dot]   (default: mermaid)

  Hosts as groups with their services inside (primary, standby, replicas), logical services (a mesh)
  outside; dependencies as arrows (soft ones dashed, "after 1h"), exposure as thick arrows, and the
  single points of failure marked "SPOF!" with a red border.
  Render DOT with \`dot -Tsvg\`; paste Mermaid into a \`\`\`mermaid block.`;

const RENDERERS = { mermaid: toMermaid, dot: toDot } as const;

export async function graph(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, { ...CONFIG_OPTION, format: { type: "string", short: "f" } }, usage);
  const format = values.format ?? "mermaid";
  if (!Object.hasOwn(RENDERERS, format)) {
    throw new UsageError(`--format must be mermaid or dot, got "${format}"${didYouMean(format, Object.keys(RENDERERS))}`, usage);
  }
  const { topology } = loadTopology(configPath(values.config, io.env));
  writeLine(io.stdout, RENDERERS[format as keyof typeof RENDERERS](topology, analyze(topology)));
  return 0;
}
