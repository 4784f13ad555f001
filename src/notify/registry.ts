// The notifier kinds, by config key. The dispatcher and the config know only this list and the
// NotifierKind contract; nothing else switches on the kind.
import type { NotifierKind } from "./notifier.js";
import { apprise } from "./apprise.js";
import { discord } from "./discord.js";
import { email } from "./email.js";
import { googleChat } from "./google-chat.js";
import { gotify } from "./gotify.js";
import { homeAssistant } from "./home-assistant.js";
import { matrix } from "./matrix.js";
import { mattermost } from "./mattermost.js";
import { ntfy } from "./ntfy.js";
import { opsgenie } from "./opsgenie.js";
import { pagerduty } from "./pagerduty.js";
import { pushbullet } from "./pushbullet.js";
import { pushover } from "./pushover.js";
import { rocketChat } from "./rocket-chat.js";
import { signal } from "./signal.js";
import { slack } from "./slack.js";
import { teams } from "./teams.js";
import { telegram } from "./telegram.js";
import { webhook } from "./webhook.js";

export const notifierKinds = [
  ntfy, gotify, discord, slack, telegram, matrix, pushover, email, webhook,
  apprise, teams, googleChat, mattermost, rocketChat, pagerduty, opsgenie, homeAssistant, signal, pushbullet,
] as const;

export function findNotifierKind(kind: string): NotifierKind | undefined {
  return (notifierKinds as readonly NotifierKind[]).find((candidate) => candidate.kind === kind);
}
