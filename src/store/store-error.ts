// The one error the store throws for problems a person must fix (a corrupt file, a newer schema, a
// directory it cannot write): the message says what happened, where, and what to do — never a stack.

export class StoreError extends Error {
  override name = "StoreError";
  constructor(
    /** What went wrong, in one sentence. */
    readonly what: string,
    /** The file or directory concerned. */
    readonly where: string,
    /** What the person can do about it. */
    readonly todo: string,
    options?: { cause?: unknown },
  ) {
    super(`${what}: ${where}\n${todo}`, options);
  }
}
