/** A mistake in the command line or its files: exit code 2, one line on stderr, no stack trace. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A definition that does not compile: its diagnostics, one per line, printed as they
 * are (`FILE:LINE:COL: error CODE: message`, like `baton validate`), so editors and
 * CI problem matchers read them; exit code 2.
 */
export class DiagnosticsError extends UsageError {
  constructor(lines: string[]) {
    super(lines.join('\n'));
    this.name = 'DiagnosticsError';
  }
}
