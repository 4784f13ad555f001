// How `understudy init` talks: a question and its answer line, a line said. The interview and the
// notifier questions use only this, so the same flow runs on a terminal and from a scripted stream.
import { AnswerError } from "./answers.js";

export interface Conversation {
  /** Asks one question; resolves with the answer line, trimmed. */
  ask(question: string): Promise<string>;
  say(text: string): void;
}

/** Asks until `accept` takes the answer (returns a value) or throws AnswerError, whose message is said. */
export async function until<T>(talk: Conversation, question: string, accept: (answer: string) => T): Promise<T> {
  for (;;) {
    const answer = await talk.ask(question);
    try {
      return accept(answer);
    } catch (error) {
      if (!(error instanceof AnswerError)) throw error;
      talk.say(`  ${error.message}`);
    }
  }
}

/** "a, b c" → ["a", "b", "c"] */
export const listOf = (answer: string) => answer.split(/[\s,]+/).filter((part) => part !== "");
