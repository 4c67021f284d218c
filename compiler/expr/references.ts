/**
 * What an expression reads and calls, for the compiler's rules (`steps.x`
 * must name an ancestor, `item` needs `for_each`, a status function turns off
 * the implied `success() &&`, ...). Both walk the tree once and never fail.
 */
import { CONTEXTS } from './language.ts';
import { childrenOf, type Expr, type MemberExpr, type Reference } from './ast.ts';

/**
 * Every context reference, outermost static chain first: in
 * `steps.a.outputs[inputs.i].x` that is `steps.a.outputs` (the chain stops at
 * the first key that is not a literal) and `inputs.i`. Unknown roots (already
 * BTN402) are left out.
 */
export function referencesOf(expr: Expr): Reference[] {
  const references: Reference[] = [];
  const visit = (node: Expr): void => {
    const chain = staticChain(node);
    if (chain) {
      if (CONTEXTS.has(chain.reference.root)) references.push(chain.reference);
      chain.dynamic.forEach(visit);
      return;
    }
    childrenOf(node).forEach(visit);
  };
  visit(expr);
  return references;
}

/** Names of the functions called, each once, in order of appearance. */
export function callsOf(expr: Expr): string[] {
  const names = new Set<string>();
  const visit = (node: Expr): void => {
    switch (node.type) {
      case 'call':
        names.add(node.name);
        break;
    }
    childrenOf(node).forEach(visit);
  };
  visit(expr);
  return [...names];
}

/** A member key that is known without evaluating anything: a string, or a whole number ≥ 0. */
export function staticKey(member: MemberExpr): string | number | undefined {
  const property = member.property;
  if (property.type !== 'literal') return undefined;
  if (typeof property.value === 'string') return property.value;
  if (typeof property.value === 'number' && Number.isInteger(property.value) && property.value >= 0) return property.value;
  return undefined;
}

/**
 * For a node that is a context followed by members: the longest static prefix
 * as a Reference, whether the whole node is that prefix, and the subtrees past
 * it that must be visited on their own (dynamic keys and everything after).
 */
export function staticChain(node: Expr): { reference: Reference; complete: boolean; dynamic: Expr[] } | undefined {
  const members: MemberExpr[] = [];
  let base: Expr = node;
  while (base.type === 'member') {
    members.unshift(base);
    base = base.object;
  }
  if (base.type !== 'context') return undefined;
  const path: Array<string | number> = [];
  let end = base.end;
  let index = 0;
  for (; index < members.length; index++) {
    const key = staticKey(members[index]);
    if (key === undefined) break;
    path.push(key);
    end = members[index].end;
  }
  const dynamic = members.slice(index).map((member) => member.property);
  return {
    reference: { root: base.name, path, offset: base.start, length: end - base.start },
    complete: index === members.length,
    dynamic,
  };
}
