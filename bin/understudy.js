#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (built by `npm ci` through the `prepare` script).
//
// `understudy agent` is a long-running daemon, and V8's defaults suit a short burst of work, not it. Left
// alone, V8 lets the old generation grow to up to four times the live heap between full collections
// (its "growing factor", picked from how fast garbage is promoted against how fast it marks), and keeps a
// 32 MB young generation: at 10,000 checks every 10 s that is 460 MB of RSS for a 60 MB live heap
// (bench/probes.js). So the agent, and only it, sets two collector flags for itself here, before its code
// loads:
//   - heap growth: a full collection once the old generation is AGENT_HEAP_GROWING_PERCENT above what the
//     last one kept. It is no cap: the heap still grows as far as the live data needs (no out-of-memory
//     where the defaults would have none); the cost is more frequent (incremental, mostly concurrent)
//     marking, a full collection every few seconds at 10,000 checks.
//   - young generation: kept at its initial size (semi-space growth factor 1), 2 MB instead of up to 32 MB.
//     More short-lived objects reach the old generation, which the first flag then collects promptly.
// Measured (bench/probes.js, 10,000 checks, same load): 191 MB RSS and the same checks/s and lag as V8's
// defaults (379 MB); 50 % gave 203 MB. Both are V8 flags read when the collector runs, so setting them
// at start-up takes effect. Flags given by the user (NODE_OPTIONS or node's own arguments) win: a flag
// named there is not overridden, so `--heap-growing-percent=0 --semi-space-growth-factor=2` restores V8's defaults.
import v8 from "node:v8";

const AGENT_HEAP_GROWING_PERCENT = 30;
const AGENT_SEMI_SPACE_GROWTH_FACTOR = 1;

if (process.argv[2] === "agent") {
  const given = `${process.env.NODE_OPTIONS ?? ""} ${process.execArgv.join(" ")}`;
  if (!/--heap-growing-percent\b/.test(given)) v8.setFlagsFromString(`--heap-growing-percent=${AGENT_HEAP_GROWING_PERCENT}`);
  if (!/--(semi-space-growth-factor|max-semi-space-size)\b/.test(given)) v8.setFlagsFromString(`--semi-space-growth-factor=${AGENT_SEMI_SPACE_GROWTH_FACTOR}`);
}

const { main } = await import("../dist/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
