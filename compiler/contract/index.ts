/**
 * The contract between the compiler and the runtime: what a compiled state
 * machine sends to Baton's Lambdas and gets back, which Lambdas there are, the
 * error names retry policies mention, and how shared things are named. The
 * emitter builds these shapes; the handlers parse them with the same schemas.
 * docs/runtime.md ("The contract") describes it for people.
 */
export * from './errors.ts';
export * from './keys.ts';
export * from './payloads.ts';
export * from './roles.ts';
