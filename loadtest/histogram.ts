/**
 * A latency histogram with buckets 1% wide (log scale from 10 µs), so bot processes can send
 * compact, mergeable distributions to the benchmark instead of every sample.
 */
const BASE_MS = 0.01;
const GROWTH = Math.log(1.01);

export type HistogramData = { count: number; sum: number; max: number; buckets: Record<number, number> };

export class Histogram {
  count = 0;
  sum = 0;
  max = 0;
  private buckets = new Map<number, number>();

  record(ms: number) {
    const value = Math.max(ms, BASE_MS);
    const index = Math.ceil(Math.log(value / BASE_MS) / GROWTH);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  merge(other: HistogramData) {
    for (const [index, n] of Object.entries(other.buckets)) {
      const i = Number(index);
      this.buckets.set(i, (this.buckets.get(i) ?? 0) + n);
    }
    this.count += other.count;
    this.sum += other.sum;
    this.max = Math.max(this.max, other.max);
  }

  /** The value at quantile q (0-1): the upper edge of the bucket holding it, so at most 1% high. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index)!;
      if (seen >= rank) return Math.min(BASE_MS * Math.exp(index * GROWTH), this.max);
    }
    return this.max;
  }

  summary() {
    const round = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
    return {
      count: this.count,
      mean: this.count ? round(this.sum / this.count) : null,
      p50: round(this.quantile(0.5)),
      p95: round(this.quantile(0.95)),
      p99: round(this.quantile(0.99)),
      max: this.count ? round(this.max) : null,
    };
  }

  toJSON(): HistogramData {
    return { count: this.count, sum: this.sum, max: this.max, buckets: Object.fromEntries(this.buckets) };
  }

  static from(data: HistogramData): Histogram {
    const h = new Histogram();
    h.merge(data);
    return h;
  }
}

export type LatencySummary = ReturnType<Histogram["summary"]>;
