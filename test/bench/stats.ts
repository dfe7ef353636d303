/** Small numeric helpers for the bench: percentiles, rounding, summaries. */

/** Nearest-rank percentile (p in 0–100) of a non-empty list; NaN for an empty one. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Distribution {
  p50: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
  n: number;
}

export function distribution(values: readonly number[], digits = 0): Distribution {
  const mean = values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
  return {
    p50: round(percentile(values, 50), digits),
    p95: round(percentile(values, 95), digits),
    min: round(values.length ? Math.min(...values) : Number.NaN, digits),
    max: round(values.length ? Math.max(...values) : Number.NaN, digits),
    mean: round(mean, digits),
    n: values.length,
  };
}

export function round(value: number, digits = 1): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects with `what` after `ms` unless `promise` settles first; never leaves a timer behind. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Progress goes to stderr: stdout carries only the JSON and the summary line. */
export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
