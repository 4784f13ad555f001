// PLACEHOLDER until the notifier kinds land (owned by the notify work).
import type { NotifierKind } from "./notifier.js";
export const notifierKinds: readonly NotifierKind[] = [];
export function findNotifierKind(kind: string): NotifierKind | undefined {
  return notifierKinds.find((candidate) => candidate.kind === kind);
}
