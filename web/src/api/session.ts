// Who is logged in: a small store the app subscribes to. The session lives in an HttpOnly cookie the
// page cannot read, so "logged in" is learned from GET /api/session and kept here with its CSRF token.
import { useEffect, useState } from "preact/hooks";
import { api, setCsrf } from "./client.js";
import type { Session } from "./types.js";

/** undefined: not asked yet; null: asked, nobody logged in. */
type State = Session | null | undefined;

let current: State;
const listeners = new Set<(state: State) => void>();

function set(state: State): void {
  current = state;
  setCsrf(state ? state.csrf : null);
  for (const listener of listeners) listener(state);
}

export async function loadSession(): Promise<void> {
  try {
    set(await api<Session>("/api/session", { quiet401: true }));
  } catch {
    set(null);
  }
}

/** The password was right and the user signs in with a code too: send it with this challenge. */
export interface SecondStep {
  second_factor: "totp";
  challenge: string;
}

/** Signs in with the password; answers the second step's challenge when the user has two-factor sign-in. */
export async function login(name: string, password: string): Promise<SecondStep | undefined> {
  const answer = await api<Session | SecondStep>("/api/login", { method: "POST", body: { name, password }, quiet401: true });
  if ("second_factor" in answer) return answer;
  set(answer);
  return undefined;
}

/** The second step: a code from the authenticator app, or a recovery code. */
export async function loginCode(challenge: string, code: string): Promise<void> {
  set(await api<Session>("/api/login/code", { method: "POST", body: { challenge, code }, quiet401: true }));
}

export async function logout(): Promise<void> {
  try {
    await api("/api/logout", { method: "POST", quiet401: true });
  } finally {
    set(null);
  }
}

/** The server said 401: forget the session so the app shows the login page. */
export function sessionExpired(): void {
  if (current !== null) set(null);
}

export function useSession(): State {
  const [state, setState] = useState<State>(current);
  useEffect(() => {
    listeners.add(setState);
    setState(current);
    return () => void listeners.delete(setState);
  }, []);
  return state;
}

export const isOperator = (session: State): boolean => session?.role === "operator";
