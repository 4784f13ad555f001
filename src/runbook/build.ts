// The whole set of runbook pages for a config, or the page of one host or service: the entry point of
// src/runbook/. Pure and deterministic: pages in a fixed order (index, hosts, services, each by name
// in the config's order), no clock.
import type { ConfigDocument } from "../config/schema.js";
import { didYouMean } from "../config/suggest.js";
import { UnknownComponentError } from "../analysis/components.js";
import type { Runbook } from "./document.js";
import { runbookContext, type RunbookFacts } from "./context.js";
import { indexRunbook } from "./index-page.js";
import { hostRunbook } from "./host.js";
import { serviceRunbook } from "./service.js";

export function buildRunbooks(doc: ConfigDocument, facts: RunbookFacts = {}): Runbook[] {
  const context = runbookContext(doc, facts);
  return [
    indexRunbook(context),
    ...[...context.topology.hosts.keys()].map((host) => hostRunbook(context, host)),
    ...[...context.topology.services.keys()].map((service) => serviceRunbook(context, service)),
  ];
}

/** The page(s) of one name: a service, a host, or both when a host and a service share it. */
export function buildRunbookFor(doc: ConfigDocument, name: string, facts: RunbookFacts = {}): Runbook[] {
  const isHost = Object.hasOwn(doc.hosts, name);
  const isService = Object.hasOwn(doc.services, name);
  if (!isHost && !isService) {
    throw new UnknownComponentError(`"${name}" is neither a host nor a service${didYouMean(name, [...Object.keys(doc.hosts), ...Object.keys(doc.services)])}`);
  }
  const context = runbookContext(doc, facts);
  return [...(isHost ? [hostRunbook(context, name)] : []), ...(isService ? [serviceRunbook(context, name)] : [])];
}
