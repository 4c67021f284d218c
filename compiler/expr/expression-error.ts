/**
 * The one error the JavaScript backend throws. Where Step Functions would
 * fail the execution with `States.Runtime` (a missing path, a function given
 * the wrong type), the runtime gets this, with a message that names the path
 * or the value.
 */
export class ExpressionError extends Error {
  /** The BTN4xx code when the expression did not parse; absent for failures while evaluating. */
  code?: string;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'ExpressionError';
    if (code !== undefined) this.code = code;
  }
}
