/**
 * The ASL backend for values: a string from the workflow (a `with:` entry, a
 * prompt, a URL) becomes what a Parameters/ItemSelector key holds, so the
 * Step Functions console shows the template as it is: a JSONPath, an
 * intrinsic function, or the literal itself. Secrets never become data: a
 * string that mentions one becomes a `secret` value the runtime joins at the
 * moment of use.
 */
import { scanTemplate, isWholeExpression } from './template.ts';
import { compileOperand, escapeIntrinsicText, intrinsicArgument, notRepresentable } from './asl-operand.ts';
import type { OperandContext, Resolver } from './asl-operand.ts';
import { formatValue } from './values.ts';
import type { ExprDiagnostic } from './ast.ts';

export type CompiledValue =
  /** Parameters key `"k": value`. */
  | { kind: 'literal'; value: unknown }
  /** Parameters key `"k.$": "$.a.b"`. */
  | { kind: 'path'; path: string }
  /** Parameters key `"k.$": "States.Format('x {}', $.a)"`. */
  | { kind: 'intrinsic'; expr: string }
  /**
   * A string the runtime assembles (the contract's TemplateValue): static text,
   * secret names and positional arguments, whose values are JSONPaths or
   * intrinsics (`args`, in order). Used where `States.Format` would not keep
   * every character (see `compileTemplate`), for every string that mentions a
   * secret, and for URLs, whose arguments are percent-encoded for their place.
   */
  | { kind: 'template'; parts: Array<{ text: string } | { secret: string } | { arg: number }>; args: string[]; url?: boolean };

export interface TemplateOptions {
  /** The string is a URL: every interpolated value is percent-encoded for its place in it (runtime). */
  url?: boolean;
}

/**
 * Compiles a string value. Exactly one `${{ }}` keeps the expression's JSON
 * type (a path, a literal, `States.ArrayLength(...)`); anything else is
 * interpolated, or folded into a literal when every expression in it is
 * constant.
 *
 * An interpolation becomes `States.Format` only when that keeps every
 * character on Step Functions, on the local interpreter and through
 * asl-validator: static text without a backslash or an unbalanced parenthesis,
 * and arguments that can hold no backslash (numbers, booleans, run ids). Any
 * other interpolation becomes a template the runtime joins, byte for byte.
 * Every problem is reported; `value` is set only when there is none.
 */
export function compileTemplate(text: string, resolve: Resolver, options: TemplateOptions = {}): { value?: CompiledValue; diagnostics: ExprDiagnostic[] } {
  const { parts, diagnostics } = scanTemplate(text);
  const ctx: OperandContext = { resolve, diagnostics, position: 'value' };
  const value = isWholeExpression(text) ? compileWhole(parts, ctx) : compileInterpolation(parts, ctx, options);
  return diagnostics.length === 0 && value ? { value, diagnostics } : { diagnostics };
}

function compileWhole(parts: ReturnType<typeof scanTemplate>['parts'], ctx: OperandContext): CompiledValue | undefined {
  const part = parts[0];
  if (part?.kind !== 'expr') return undefined;
  const operand = compileOperand(part.expr, ctx);
  switch (operand?.kind) {
    case undefined:
      return undefined;
    case 'literal':
      return { kind: 'literal', value: operand.value };
    case 'path':
      return { kind: 'path', path: operand.path };
    case 'intrinsic':
      return { kind: 'intrinsic', expr: operand.expr };
    case 'secret':
      return { kind: 'template', parts: [{ secret: operand.name }], args: [] };
  }
}

/** One piece of an interpolated string: text known now, or an argument computed at run time. */
type Piece = { text: string } | { arg: string; plain: boolean } | { secret: string };

function compileInterpolation(parts: ReturnType<typeof scanTemplate>['parts'], ctx: OperandContext, options: TemplateOptions): CompiledValue | undefined {
  const pieces: Piece[] = [];
  let failed = false;
  for (const part of parts) {
    if (part.kind === 'text') {
      pieces.push({ text: part.value });
      continue;
    }
    const operand = compileOperand(part.expr, ctx);
    switch (operand?.kind) {
      case undefined:
        failed = true;
        break;
      case 'literal':
        pieces.push({ text: formatValue(operand.value) });
        break;
      case 'secret':
        pieces.push({ secret: operand.name });
        break;
      case 'path':
        if (operand.type === 'object' || operand.type === 'array') {
          notRepresentable(ctx, part.expr, `this is ${operand.type === 'array' ? 'an array' : 'an object'}, which cannot be put into a string; use a whole \${{ }} to pass it on as it is`);
          failed = true;
          break;
        }
        pieces.push({ arg: operand.path, plain: operand.plain === true || operand.type === 'number' || operand.type === 'integer' || operand.type === 'boolean' });
        break;
      case 'intrinsic': {
        const arg = intrinsicArgument(operand, part.expr, ctx);
        if (arg === undefined) failed = true;
        else pieces.push({ arg, plain: operand.type === 'number' || operand.type === 'integer' || operand.type === 'boolean' });
        break;
      }
    }
  }
  if (failed) return undefined;
  if (!pieces.some((piece) => !('text' in piece))) {
    return { kind: 'literal', value: pieces.map((piece) => ('text' in piece ? piece.text : '')).join('') };
  }
  const formatSafe = pieces.every((piece) => ('text' in piece ? isIntrinsicSafeText(piece.text) : 'arg' in piece && piece.plain));
  if (formatSafe && !options.url) return formatCall(pieces);
  return templateValue(pieces, options);
}

/**
 * Text that `States.Format` keeps exactly everywhere: aws-local-stepfunctions
 * drops every backslash and splits arguments on unbalanced parentheses, and
 * asl-validator rejects an escaped backslash.
 */
export function isIntrinsicSafeText(text: string): boolean {
  if (text.includes('\\')) return false;
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** `States.Format('text {} text', args...)`, with `' { }` escaped in the text. */
function formatCall(pieces: Piece[]): CompiledValue {
  let format = '';
  const args: string[] = [];
  for (const piece of pieces) {
    if ('arg' in piece) {
      format += '{}';
      args.push(piece.arg);
    } else if ('text' in piece) {
      format += escapeIntrinsicText(piece.text);
    }
  }
  return { kind: 'intrinsic', expr: `States.Format('${format}', ${args.join(', ')})` };
}

function templateValue(pieces: Piece[], options: TemplateOptions): CompiledValue {
  const parts: Array<{ text: string } | { secret: string } | { arg: number }> = [];
  const args: string[] = [];
  for (const piece of pieces) {
    if ('text' in piece) {
      if (piece.text === '') continue;
      const last = parts.at(-1);
      if (last && 'text' in last) last.text += piece.text;
      else parts.push({ text: piece.text });
    } else if ('secret' in piece) {
      parts.push({ secret: piece.secret });
    } else {
      parts.push({ arg: args.length });
      args.push(piece.arg);
    }
  }
  return { kind: 'template', parts, args, ...(options.url ? { url: true } : {}) };
}
