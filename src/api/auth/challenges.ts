// The second sign-in step's pending logins: after a right password, a user with two-factor sign-in gets
// a challenge (a random id, shown only to that browser) that a code must follow within five minutes.
// A challenge takes at most five wrong codes, then the password must be given again; the login rate
// limit counts every code attempt as well (session.ts). Kept in memory: a restart asks for the password again.
import { randomBytes } from "node:crypto";
import type { Clock } from "../../engine/clock.js";

export interface Challenge {
  readonly id: string;
  readonly user: string;
  /** credentialOf(the password hash the password matched), carried into the session. */
  readonly credential: string;
  readonly expiresAt: number;
  wrongCodes: number;
}

export const CHALLENGE_TTL_MS = 5 * 60_000;
export const MAX_WRONG_CODES = 5;
const MAX_CHALLENGES = 10_000;

export class ChallengeStore {
  private readonly challenges = new Map<string, Challenge>();

  constructor(private readonly clock: Pick<Clock, "now">) {}

  create(user: string, credential: string): Challenge {
    const now = this.clock.now();
    for (const [id, challenge] of this.challenges) if (challenge.expiresAt <= now) this.challenges.delete(id);
    while (this.challenges.size >= MAX_CHALLENGES) this.challenges.delete(this.challenges.keys().next().value!);
    const challenge: Challenge = { id: randomBytes(32).toString("base64url"), user, credential, expiresAt: now + CHALLENGE_TTL_MS, wrongCodes: 0 };
    this.challenges.set(challenge.id, challenge);
    return challenge;
  }

  /** The live challenge with this id; undefined when unknown, expired or used up. */
  get(id: string): Challenge | undefined {
    const challenge = this.challenges.get(id);
    if (challenge && challenge.expiresAt > this.clock.now() && challenge.wrongCodes < MAX_WRONG_CODES) return challenge;
    this.challenges.delete(id);
    return undefined;
  }

  /** Counts a wrong code; true when the challenge is now used up. */
  wrong(challenge: Challenge): boolean {
    challenge.wrongCodes++;
    if (challenge.wrongCodes < MAX_WRONG_CODES) return false;
    this.challenges.delete(challenge.id);
    return true;
  }

  delete(id: string): void {
    this.challenges.delete(id);
  }
}
