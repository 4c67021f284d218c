/**
 * The expression AST and the diagnostic shape shared by the parser and both
 * backends. Every node carries `start`/`end`: offsets into the text that was
 * given to `parseExpression` or `parseTemplate`, so a backend can point a
 * diagnostic at the exact characters without knowing where the expression sat.
 */

/** One problem found in an expression; offsets are within the template text given. */
export interface ExprDiagnostic {
  code: string;
  message: string;
  offset: number;
  length: number;
}

interface Span {
  start: number;
  end: number;
}

export type LiteralValue = string | number | boolean | null;

export interface LiteralExpr extends Span {
  type: 'literal';
  value: LiteralValue;
}

/** A context root: `inputs`, `steps`, `item`, ... */
export interface ContextExpr extends Span {
  type: 'context';
  name: string;
}

/** `object.field` (`computed: false`, property is a string literal) or `object[expr]`. */
export interface MemberExpr extends Span {
  type: 'member';
  object: Expr;
  property: Expr;
  computed: boolean;
}

export interface UnaryExpr extends Span {
  type: 'unary';
  operator: '!';
  argument: Expr;
}

export type ComparisonOperator = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface BinaryExpr extends Span {
  type: 'binary';
  operator: ComparisonOperator;
  left: Expr;
  right: Expr;
}

export interface LogicalExpr extends Span {
  type: 'logical';
  operator: '&&' | '||';
  left: Expr;
  right: Expr;
}

export interface CallExpr extends Span {
  type: 'call';
  name: string;
  args: Expr[];
}

export type Expr = LiteralExpr | ContextExpr | MemberExpr | UnaryExpr | BinaryExpr | LogicalExpr | CallExpr;

/** The direct sub-expressions of a node, left to right: what every walk over the tree descends into. */
export function childrenOf(node: Expr): Expr[] {
  switch (node.type) {
    case 'literal':
    case 'context':
      return [];
    case 'member':
      return [node.object, node.property];
    case 'unary':
      return [node.argument];
    case 'binary':
    case 'logical':
      return [node.left, node.right];
    case 'call':
      return node.args;
  }
}

/**
 * A context root followed by static member accesses, e.g.
 * `steps.analyze.outputs.tasks[0]` → `{ root: 'steps', path: ['analyze', 'outputs', 'tasks', 0] }`.
 * `offset`/`length` cover that text.
 */
export interface Reference {
  root: string;
  path: Array<string | number>;
  offset: number;
  length: number;
}

export function diagnostic(code: string, message: string, span: { start: number; end: number }): ExprDiagnostic {
  return { code, message, offset: span.start, length: Math.max(0, span.end - span.start) };
}
