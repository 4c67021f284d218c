/**
 * The GitHub side's own errors. None of them crosses into a state machine, so
 * they are not in the compiled contract's list of names; they end at the
 * webhook's answer, the CLI or a log line, always as one clear sentence.
 */

/** Baton is missing something it needs to talk to GitHub: a secret, credentials. */
export class GithubSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GithubSetupError';
  }
}
