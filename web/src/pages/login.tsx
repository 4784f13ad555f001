// Sign-in. The password goes only to POST /api/login; the session comes back as an HttpOnly cookie.
// A user with two-factor sign-in is then asked for the code from the authenticator app (or a recovery
// code), sent with the server's challenge to POST /api/login/code. A wrong password or code and a rate
// limit (429) are shown in words next to the form; when the server says the challenge is over (too many
// wrong codes, or five minutes), the form goes back to the password.
import { useState } from "preact/hooks";
import { ApiError } from "../api/client.js";
import { login, loginCode } from "../api/session.js";

function reason(error: unknown, step: "password" | "code"): string {
  if (error instanceof ApiError && error.status === 401 && step === "password") return "Wrong name or password.";
  if (error instanceof ApiError && error.status === 401) return error.message === "wrong code" ? "Wrong code. Check the app and try again." : `${error.message[0]!.toUpperCase()}${error.message.slice(1)}.`;
  if (error instanceof ApiError && error.status === 429) return "Too many attempts. Wait a minute and try again.";
  return error instanceof Error ? error.message : String(error);
}

export function LoginPage() {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [challenge, setChallenge] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (challenge === null) {
        const second = await login(name, password);
        if (second) {
          setChallenge(second.challenge);
          setBusy(false);
        }
      } else {
        await loginCode(challenge, code);
      }
    } catch (failure) {
      setError(reason(failure, challenge === null ? "password" : "code"));
      if (failure instanceof ApiError && failure.message.includes("password again")) {
        setChallenge(null);
        setCode("");
      }
      setBusy(false);
    }
  };

  return (
    <main class="login" id="main">
      <form class="card" onSubmit={submit} aria-describedby={error ? "login-error" : undefined}>
        <h1>Understudy</h1>
        {challenge === null ? (
          <>
            <p class="muted">Sign in to the dashboard.</p>
            <label for="name">Name</label>
            <input id="name" name="name" autocomplete="username" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required value={password} onInput={(event) => setPassword(event.currentTarget.value)} />
          </>
        ) : (
          <>
            <p class="muted">Enter the 6-digit code from your authenticator app for {name}, or one of your recovery codes.</p>
            <label for="code">Code</label>
            <input id="code" name="code" autocomplete="one-time-code" inputMode="numeric" required autoFocus value={code} onInput={(event) => setCode(event.currentTarget.value)} />
          </>
        )}
        {error && (
          <p id="login-error" class="note error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : challenge === null ? "Sign in" : "Verify"}
        </button>
        <p class="muted small-print">
          <a href="/status">Public status page</a>
        </p>
      </form>
    </main>
  );
}
