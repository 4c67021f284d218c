import type { Graph } from './compile.ts';

/**
 * The step graph as Mermaid (GitHub renders it in Markdown) or Graphviz dot.
 * `needs` edges are solid; handler calls (on_failure, on_timeout, compensate) are
 * dashed and labelled; handlers are drawn with rounded corners.
 */
export function renderGraph(graph: Graph, format: 'mermaid' | 'dot', title: string): string {
  return format === 'mermaid' ? mermaid(graph) : dot(graph, title);
}

function mermaid(graph: Graph): string {
  const id = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
  const lines = ['flowchart TD'];
  for (const node of graph.nodes) {
    const label = `${node.id}<br/><small>${node.kind}</small>`;
    lines.push(node.handler ? `  ${id(node.id)}("${label}")` : `  ${id(node.id)}["${label}"]`);
  }
  for (const edge of graph.edges) {
    lines.push(edge.kind === 'needs' ? `  ${id(edge.from)} --> ${id(edge.to)}` : `  ${id(edge.from)} -. ${edge.kind} .-> ${id(edge.to)}`);
  }
  return lines.join('\n') + '\n';
}

function dot(graph: Graph, title: string): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [`digraph ${q(title)} {`, '  rankdir=TB;', '  node [shape=box, fontname="Helvetica"];'];
  for (const node of graph.nodes) {
    lines.push(`  ${q(node.id)} [label=${q(`${node.id}\n${node.kind}`)}${node.handler ? ', style=rounded' : ''}];`);
  }
  for (const edge of graph.edges) {
    lines.push(edge.kind === 'needs' ? `  ${q(edge.from)} -> ${q(edge.to)};` : `  ${q(edge.from)} -> ${q(edge.to)} [style=dashed, label=${q(edge.kind)}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
