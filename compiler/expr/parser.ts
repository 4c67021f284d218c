/**
 * The one parser both backends share. Recursive descent over GitHub Actions'
 * precedence, loosest first:
 *
 *   ||   &&   == !=   < <= > >=   !   . [ ] ( )
 *
 * A syntax error ends the parse of that expression (BTN401); unknown contexts
 * (BTN402) and unknown functions or wrong arity (BTN403) are collected over
 * the whole tree and do not stop it, so the author sees them all at once.
 */
import { tokenize } from './lexer.ts';
import type { Token } from './lexer.ts';
import { CONTEXTS, ExprCodes, FUNCTIONS, isFunctionName } from './language.ts';
import { childrenOf, diagnostic } from './ast.ts';
import type { ComparisonOperator, Expr, ExprDiagnostic } from './ast.ts';

/**
 * Parses one expression (the text between `${{` and `}}`, or a bare `if:`).
 * Returns the tree unless there is a syntax error; diagnostics hold every
 * problem found. Offsets are within `source`.
 */
export function parseExpression(source: string): { expr?: Expr; diagnostics: ExprDiagnostic[] } {
  return parseAt(source, 0);
}

/** As `parseExpression`, with every offset shifted by `base` (used by templates). */
export function parseAt(source: string, base: number): { expr?: Expr; diagnostics: ExprDiagnostic[] } {
  const lexed = tokenize(source, base);
  if (lexed.error) return { diagnostics: [lexed.error] };
  const parser = new Parser(lexed.tokens);
  try {
    const expr = parser.parseExpression();
    parser.expectEnd();
    return { expr, diagnostics: checkNames(expr) };
  } catch (error) {
    if (error instanceof SyntaxFailure) return { diagnostics: [error.diagnostic] };
    throw error;
  }
}

class SyntaxFailure extends Error {
  diagnostic: ExprDiagnostic;
  constructor(diagnostic: ExprDiagnostic) {
    super(diagnostic.message);
    this.diagnostic = diagnostic;
  }
}

const EQUALITY: readonly string[] = ['==', '!='];
const RELATIONAL: readonly string[] = ['<', '<=', '>', '>='];

class Parser {
  private tokens: Token[];
  private position = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  parseExpression(): Expr {
    return this.parseOr();
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'eof') throw this.unexpected(token, 'expected the end of the expression');
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.isPunctuator('||')) {
      this.next();
      const right = this.parseAnd();
      left = { type: 'logical', operator: '||', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseEquality();
    while (this.isPunctuator('&&')) {
      this.next();
      const right = this.parseEquality();
      left = { type: 'logical', operator: '&&', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private parseEquality(): Expr {
    let left = this.parseRelational();
    while (this.peek().kind === 'punctuator' && EQUALITY.includes(this.peek().text)) {
      const operator = this.next().text as ComparisonOperator;
      const right = this.parseRelational();
      left = { type: 'binary', operator, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private parseRelational(): Expr {
    let left = this.parseUnary();
    while (this.peek().kind === 'punctuator' && RELATIONAL.includes(this.peek().text)) {
      const operator = this.next().text as ComparisonOperator;
      const right = this.parseUnary();
      left = { type: 'binary', operator, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.isPunctuator('!')) {
      const bang = this.next();
      const argument = this.parseUnary();
      return { type: 'unary', operator: '!', argument, start: bang.start, end: argument.end };
    }
    return this.parsePostfix();
  }

  private parsePostfix(): Expr {
    let expr = this.parsePrimary();
    for (;;) {
      if (this.isPunctuator('.')) {
        this.next();
        const field = this.peek();
        if (field.kind !== 'identifier') throw this.unexpected(field, 'expected a field name after "."');
        this.next();
        const property: Expr = { type: 'literal', value: field.text, start: field.start, end: field.end };
        expr = { type: 'member', object: expr, property, computed: false, start: expr.start, end: field.end };
      } else if (this.isPunctuator('[')) {
        this.next();
        const property = this.parseExpression();
        const close = this.expectPunctuator(']');
        expr = { type: 'member', object: expr, property, computed: true, start: expr.start, end: close.end };
      } else {
        return expr;
      }
    }
  }

  private parsePrimary(): Expr {
    const token = this.next();
    switch (token.kind) {
      case 'number':
        return { type: 'literal', value: token.number as number, start: token.start, end: token.end };
      case 'string':
        return { type: 'literal', value: token.text, start: token.start, end: token.end };
      case 'identifier':
        return this.parseIdentifier(token);
      case 'punctuator':
        if (token.text === '(') {
          const inner = this.parseExpression();
          const close = this.expectPunctuator(')');
          // The span includes the parentheses so that a diagnostic on `(a || b)` points at all of it.
          return { ...inner, start: token.start, end: close.end };
        }
        throw this.unexpected(token, 'expected a value');
      case 'eof':
        throw this.unexpected(token, 'expected a value');
    }
  }

  private parseIdentifier(token: Token): Expr {
    switch (token.text) {
      case 'true':
        return { type: 'literal', value: true, start: token.start, end: token.end };
      case 'false':
        return { type: 'literal', value: false, start: token.start, end: token.end };
      case 'null':
        return { type: 'literal', value: null, start: token.start, end: token.end };
    }
    if (!this.isPunctuator('(')) return { type: 'context', name: token.text, start: token.start, end: token.end };
    this.next();
    const args: Expr[] = [];
    if (!this.isPunctuator(')')) {
      for (;;) {
        args.push(this.parseExpression());
        if (!this.isPunctuator(',')) break;
        this.next();
      }
    }
    const close = this.expectPunctuator(')');
    return { type: 'call', name: token.text, args, start: token.start, end: close.end };
  }

  private peek(): Token {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position];
    if (token.kind !== 'eof') this.position++;
    return token;
  }

  private isPunctuator(text: string): boolean {
    const token = this.peek();
    return token.kind === 'punctuator' && token.text === text;
  }

  private expectPunctuator(text: string): Token {
    const token = this.peek();
    if (token.kind !== 'punctuator' || token.text !== text) throw this.unexpected(token, `expected "${text}"`);
    return this.next();
  }

  private unexpected(token: Token, expected: string): SyntaxFailure {
    const found = token.kind === 'eof' ? 'the end of the expression' : `"${this.describe(token)}"`;
    // An empty span (end of input) still gets one character so that editors can underline it.
    return new SyntaxFailure(diagnostic(ExprCodes.Syntax, `${expected}, found ${found}`, { start: token.start, end: Math.max(token.end, token.start + 1) }));
  }

  private describe(token: Token): string {
    return token.kind === 'string' ? `'${token.text}'` : token.text;
  }
}

/** BTN402 and BTN403 over the whole tree. */
function checkNames(expr: Expr): ExprDiagnostic[] {
  const diagnostics: ExprDiagnostic[] = [];
  const visit = (node: Expr): void => {
    if (node.type === 'context' && !CONTEXTS.has(node.name)) diagnostics.push(unknownContext(node.name, node));
    if (node.type === 'call') {
      if (!isFunctionName(node.name)) {
        diagnostics.push(diagnostic(ExprCodes.UnknownFunction, `unknown function ${node.name}(); the functions are ${Object.keys(FUNCTIONS).map((f) => `${f}()`).join(', ')}`, node));
      } else if (node.args.length !== FUNCTIONS[node.name]) {
        const arity = FUNCTIONS[node.name];
        diagnostics.push(diagnostic(ExprCodes.UnknownFunction, `${node.name}() takes ${arity} argument${arity === 1 ? '' : 's'}, not ${node.args.length}`, node));
      }
    }
    childrenOf(node).forEach(visit);
  };
  visit(expr);
  return diagnostics;
}

function unknownContext(name: string, span: { start: number; end: number }): ExprDiagnostic {
  const hint = isFunctionName(name) ? ` (did you mean ${name}()?)` : '';
  return diagnostic(ExprCodes.UnknownContext, `unknown context "${name}"${hint}; an expression starts with one of ${[...CONTEXTS].join(', ')}`, span);
}
