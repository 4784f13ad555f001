// The notifier kinds, by config key. The dispatcher and the config know only this list and the
// NotifierKind contract; nothing else switches on the kind.
import type { NotifierKind } from "./notifier.js";
import { discord } from "./discord.js";
import { email } from "./email.js";
import { gotify } from "./gotify.js";
import { matrix } from "./matrix.js";
import { ntfy } from "./ntfy.js";
import { pushover } from "./pushover.js";
import { slack } from "./slack.js";
import { telegram } from "./telegram.js";
import { webhook } from "./webhook.js";

export const notifierKinds = [ntfy, gotify, discord, slack, telegram, matrix, pushover, email, webhook] as const;

export function findNotifierKind(kind: string): NotifierKind | undefined {
  return (notifierKinds as readonly NotifierKind[]).find((candidate) => candidate.kind === kind);
}
