/** A mistake in the command line or its files: exit code 2, one line on stderr, no stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
