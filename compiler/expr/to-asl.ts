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
   * A string holding a secret. `parts` is static text, secret names and
   * positional arguments; `args` are JSONPaths or intrinsics for those
   * arguments, in order (the compiler renders them with `States.Array(...)`).
   * The runtime joins them with `formatValue`, as `States.Format` would.
   */
  | { kind: 'secret'; parts: Array<string | { secret: string } | { arg: number }>; args: string[] };

/**
 * Compiles a string value. Exactly one `${{ }}` keeps the expression's JSON
 * type (a path, a literal, `States.ArrayLength(...)`); anything else is
 * interpolated with `States.Format`, or folded into a literal when every
 * expression in it is constant. Every problem is reported; `value` is set
 * only when there is none.
 */
export function compileTemplate(text: string, resolve: Resolver): { value?: CompiledValue; diagnostics: ExprDiagnostic[] } {
  const { parts, diagnostics } = scanTemplate(text);
  const ctx: OperandContext = { resolve, diagnostics, position: 'value' };
  const value = isWholeExpression(text) ? compileWhole(parts, ctx) : compileInterpolation(parts, ctx);
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
      return { kind: 'secret', parts: [{ secret: operand.name }], args: [] };
  }
}

/** One piece of an interpolated string: text known now, or an argument computed at run time. */
type Piece = { text: string; offset: number } | { arg: string } | { secret: string };

function compileInterpolation(parts: ReturnType<typeof scanTemplate>['parts'], ctx: OperandContext): CompiledValue | undefined {
  const pieces: Piece[] = [];
  let failed = false;
  for (const part of parts) {
    if (part.kind === 'text') {
      pieces.push({ text: part.value, offset: part.offset });
      continue;
    }
    const operand = compileOperand(part.expr, ctx);
    switch (operand?.kind) {
      case undefined:
        failed = true;
        break;
      case 'literal':
        pieces.push({ text: formatValue(operand.value), offset: part.expr.start });
        break;
      case 'secret':
        pieces.push({ secret: operand.name });
        break;
      case 'path':
        if (operand.type === 'object' || operand.type === 'array') {
          notRepresentable(ctx, part.expr, `this is ${operand.type === 'array' ? 'an array' : 'an object'}, which States.Format cannot put into a string; use a whole \${{ }} to pass it on as it is`);
          failed = true;
          break;
        }
        pieces.push({ arg: operand.path });
        break;
      case 'intrinsic': {
        const arg = intrinsicArgument(operand, part.expr, ctx);
        if (arg === undefined) failed = true;
        else pieces.push({ arg });
        break;
      }
    }
  }
  if (failed) return undefined;
  if (pieces.some((piece) => 'secret' in piece)) return secretValue(pieces);
  if (!pieces.some((piece) => 'arg' in piece)) {
    return { kind: 'literal', value: pieces.map((piece) => ('text' in piece ? piece.text : '')).join('') };
  }
  return formatCall(pieces, ctx);
}

/** `States.Format('text {} text', args...)`, with `' { } \` handled in the text. */
function formatCall(pieces: Piece[], ctx: OperandContext): CompiledValue | undefined {
  let format = '';
  const args: string[] = [];
  for (const piece of pieces) {
    if ('arg' in piece) {
      format += '{}';
      args.push(piece.arg);
    } else if ('text' in piece) {
      const backslash = piece.text.indexOf('\\');
      if (backslash >= 0) {
        const at = piece.offset + backslash;
        notRepresentable(
          ctx,
          { start: at, end: at + 1 },
          'a backslash cannot be written in States.Format text (asl-validator rejects "\\\\" and aws-local-stepfunctions drops it); pass this text through an input, or keep the string free of ${{ }}',
        );
        return undefined;
      }
      format += escapeIntrinsicText(piece.text);
    }
  }
  return { kind: 'intrinsic', expr: `States.Format('${format}', ${args.join(', ')})` };
}

function secretValue(pieces: Piece[]): CompiledValue {
  const parts: Array<string | { secret: string } | { arg: number }> = [];
  const args: string[] = [];
  for (const piece of pieces) {
    if ('text' in piece) {
      if (piece.text === '') continue;
      const last = parts.at(-1);
      if (typeof last === 'string') parts[parts.length - 1] = last + piece.text;
      else parts.push(piece.text);
    } else if ('secret' in piece) {
      parts.push({ secret: piece.secret });
    } else {
      parts.push({ arg: args.length });
      args.push(piece.arg);
    }
  }
  return { kind: 'secret', parts, args };
}
