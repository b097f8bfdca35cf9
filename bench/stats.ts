/** Percentiles and a markdown table for benchmark samples (milliseconds). */
export interface Summary {
  n: number;
  p50: number;
  p95: number;
  mean: number;
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

export function summarize(samples: number[]): Summary {
  const sorted = [...samples].sort((x, y) => x - y);
  return {
    n: samples.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    mean: samples.reduce((sum, x) => sum + x, 0) / samples.length,
  };
}

export function table(results: Record<string, Summary>): string {
  const lines = ["| measure | n | p50 | p95 | mean |", "|---|---:|---:|---:|---:|"];
  for (const [name, s] of Object.entries(results)) {
    lines.push(`| ${name} | ${s.n} | ${s.p50.toFixed(2)} | ${s.p95.toFixed(2)} | ${s.mean.toFixed(2)} |`);
  }
  return lines.join("\n");
}
