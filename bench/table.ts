/** Prints rows under a header, right-aligned: benchmark output meant to be read. */
export function printTable(head: string[], rows: string[][]) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => c.padStart(widths[i])).join('   ');
  console.log(line(head));
  for (const row of rows) console.log(line(row));
}
