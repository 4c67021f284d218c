/**
 * Facts about an expression tree that both backends must see the same way:
 * which parts are constant (the ASL backend folds them with the JavaScript
 * semantics), and which calls Step Functions computes ahead of a Choice.
 */
import { isFunctionName, STATUS_FUNCTIONS } from './language.ts';
import { childrenOf, type CallExpr, type Expr } from './ast.ts';

/**
 * The calls the ASL backend computes ahead of the Choice: `length()`, and
 * `contains()` unless its second argument is a string literal (a string
 * literal makes it a substring test, which the Choice does itself). With a
 * type hint saying "array" the ASL backend computes that one ahead too; it
 * cannot fail then, so the JavaScript backend need not.
 */
export function eagerCalls(expr: Expr): CallExpr[] {
  const found: CallExpr[] = [];
  const visit = (node: Expr): void => {
    switch (node.type) {
      case 'call': {
        const needle = node.args[1];
        const eager =
          node.name === 'length' ||
          (node.name === 'contains' && !(needle?.type === 'literal' && typeof needle.value === 'string'));
        if (eager && node.args.some((arg) => !isConstant(arg))) {
          found.push(node);
          return;
        }
        node.args.forEach(visit);
        return;
      }
      default:
        childrenOf(node).forEach(visit);
        return;
    }
  };
  visit(expr);
  return found;
}

/** An expression whose value does not depend on data or on the step's status. */
export function isConstant(expr: Expr): boolean {
  switch (expr.type) {
    case 'literal':
      return true;
    case 'context':
      return false;
    case 'member':
      return isConstant(expr.object) && isConstant(expr.property);
    case 'unary':
      return isConstant(expr.argument);
    case 'binary':
    case 'logical':
      return isConstant(expr.left) && isConstant(expr.right);
    case 'call':
      return isFunctionName(expr.name) && !STATUS_FUNCTIONS.has(expr.name) && expr.args.every(isConstant);
  }
}

