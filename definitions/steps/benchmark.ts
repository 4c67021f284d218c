/** Example benchmark: times a small deterministic workload and compares it with the baseline. */
export async function handler(input: { feature: string; baseline_ms: number }) {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    let x = 0;
    for (let j = 0; j < 20_000; j++) x += Math.sqrt(j + input.feature.length);
    samples.push(performance.now() - start + (x > 0 ? 0 : 1));
  }
  samples.sort((a, b) => a - b);
  const p50 = Number(samples[2].toFixed(3));
  return { p50_ms: p50, regression: p50 > input.baseline_ms };
}
