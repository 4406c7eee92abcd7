/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for the metrics spec:
 * neither prom-client nor any installed package parses it. Anything a scraper would reject, or
 * that breaks the format's rules (a sample before its TYPE, a family split in two, a repeated
 * series, bad escapes, histogram buckets out of order or not matching the count), throws.
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: MetricType;
  help: string | null;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(["counter", "gauge", "histogram", "summary", "untyped"]);

function fail(lineNo: number, line: string, why: string): never {
  throw new Error(`metrics line ${lineNo}: ${why}: ${JSON.stringify(line)}`);
}

function parseValue(text: string, lineNo: number, line: string): number {
  // the format's values are what Go's ParseFloat reads: NaN and Inf in any case (prom-client writes "Nan")
  if (/^nan$/i.test(text)) return Number.NaN;
  if (/^\+?inf$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) fail(lineNo, line, `"${text}" is not a number`);
  return Number(text);
}

/** The family a sample name belongs to, given the suffixes its declared type allows. */
function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  const exact = families.get(sample);
  if (exact && exact.type !== "histogram") return exact;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!sample.endsWith(suffix)) continue;
    const family = families.get(sample.slice(0, -suffix.length));
    if (family && (family.type === "histogram" || (family.type === "summary" && suffix !== "_bucket"))) return family;
  }
  return undefined;
}

/** Reads `{a="x",b="y"}` from `line` at `start` (the brace); returns the labels and the index after `}`. */
function parseLabels(line: string, start: number, lineNo: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    if (line[i] === "}") return [labels, i + 1];
    const eq = line.indexOf("=", i);
    if (eq < 0) fail(lineNo, line, "a label without =");
    const name = line.slice(i, eq);
    if (!LABEL_NAME.test(name)) fail(lineNo, line, `bad label name "${name}"`);
    if (name in labels) fail(lineNo, line, `label "${name}" twice`);
    if (line[eq + 1] !== '"') fail(lineNo, line, "a label value must be quoted");
    let value = "";
    let j = eq + 2;
    for (;; j++) {
      const c = line[j];
      if (c === undefined) fail(lineNo, line, "an unterminated label value");
      if (c === '"') break;
      if (c === "\\") {
        const next = line[++j];
        if (next === "\\") value += "\\";
        else if (next === '"') value += '"';
        else if (next === "n") value += "\n";
        else fail(lineNo, line, `bad escape \\${next ?? ""}`);
      } else value += c;
    }
    labels[name] = value;
    i = j + 1;
    if (line[i] === ",") i++;
    else if (line[i] !== "}") fail(lineNo, line, "labels must be separated by commas");
  }
}

function unescapeHelp(text: string, lineNo: number, line: string): string {
  return text.replace(/\\(.?)/g, (_, c: string) => {
    if (c === "\\") return "\\";
    if (c === "n") return "\n";
    return fail(lineNo, line, `bad escape in HELP \\${c}`);
  });
}

function checkHistogram(family: Family) {
  const series = new Map<string, Sample[]>();
  const key = (labels: Record<string, string>) =>
    JSON.stringify(Object.entries(labels).filter(([k]) => k !== "le").sort(([a], [b]) => a.localeCompare(b)));
  for (const s of family.samples) {
    const k = key(s.labels);
    if (!series.has(k)) series.set(k, []);
    series.get(k)!.push(s);
  }
  for (const [k, samples] of series) {
    const buckets = samples.filter((s) => s.name === `${family.name}_bucket`);
    const count = samples.find((s) => s.name === `${family.name}_count`);
    if (!count || !samples.some((s) => s.name === `${family.name}_sum`)) throw new Error(`histogram ${family.name}${k}: no _sum or _count`);
    if (buckets.length === 0 || buckets.some((b) => b.labels.le === undefined)) throw new Error(`histogram ${family.name}${k}: buckets without le`);
    const bounds = buckets.map((b) => parseValue(b.labels.le, 0, b.labels.le));
    for (let i = 1; i < buckets.length; i++) {
      if (!(bounds[i] > bounds[i - 1])) throw new Error(`histogram ${family.name}${k}: le not increasing`);
      if (buckets[i].value < buckets[i - 1].value) throw new Error(`histogram ${family.name}${k}: bucket counts not cumulative`);
    }
    if (bounds.at(-1) !== Number.POSITIVE_INFINITY) throw new Error(`histogram ${family.name}${k}: no +Inf bucket`);
    if (buckets.at(-1)!.value !== count.value) throw new Error(`histogram ${family.name}${k}: +Inf bucket ${buckets.at(-1)!.value} != count ${count.value}`);
  }
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("metrics text must end with a newline");
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const seen = new Set<string>();
  const typed = new Set<string>();
  let current: Family | null = null;
  const enter = (family: Family) => {
    if (current && current !== family) closed.add(current.name);
    if (closed.has(family.name)) throw new Error(`family ${family.name} is split in two`);
    current = family;
  };
  text.split("\n").forEach((line, index) => {
    const lineNo = index + 1;
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!m) return; // a comment
      const [, keyword, name, rest = ""] = m;
      if (!METRIC_NAME.test(name)) fail(lineNo, line, `bad metric name "${name}"`);
      let family = families.get(name);
      if (!family) {
        family = { name, type: "untyped", help: null, samples: [] };
        families.set(name, family);
      }
      enter(family);
      if (keyword === "HELP") {
        if (family.help !== null) fail(lineNo, line, `a second HELP for ${name}`);
        family.help = unescapeHelp(rest, lineNo, line);
      } else {
        if (typed.has(name)) fail(lineNo, line, `a second TYPE for ${name}`);
        if (family.samples.length > 0) fail(lineNo, line, `TYPE of ${name} after its samples`);
        if (!TYPES.has(rest.trim() as MetricType)) fail(lineNo, line, `unknown type "${rest}"`);
        family.type = rest.trim() as MetricType;
        typed.add(name);
      }
      return;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) fail(lineNo, line, "a sample without a value");
    const name = line.slice(0, nameEnd);
    if (!METRIC_NAME.test(name)) fail(lineNo, line, `bad metric name "${name}"`);
    let labels: Record<string, string> = {};
    let i = nameEnd;
    if (line[i] === "{") [labels, i] = parseLabels(line, i, lineNo);
    if (line[i] !== " ") fail(lineNo, line, "a space must separate the sample from its value");
    const parts = line.slice(i + 1).trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2 || parts[0] === "") fail(lineNo, line, "expected a value and an optional timestamp");
    const value = parseValue(parts[0], lineNo, line);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) fail(lineNo, line, "the timestamp must be an integer");
    let family = familyOf(name, families);
    if (!family) {
      family = { name, type: "untyped", help: null, samples: [] };
      families.set(name, family);
    }
    enter(family);
    if (family.type === "histogram" && name === `${family.name}_bucket` && labels.le === undefined) fail(lineNo, line, "a bucket without le");
    if (family.type === "summary" && name === family.name && labels.quantile === undefined) fail(lineNo, line, "a summary sample without quantile");
    const id = `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`;
    if (seen.has(id)) fail(lineNo, line, "a repeated series");
    seen.add(id);
    family.samples.push({ name, labels, value });
  });
  for (const family of families.values()) {
    if (family.type === "histogram") checkHistogram(family);
  }
  return families;
}

/** The value of one series: `name` (a family or a _bucket/_sum/_count sample) with exactly these labels; 0 when absent. */
export function sampleValue(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const family = familyOf(name, families);
  const wanted = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
  const sample = family?.samples.find(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => a.localeCompare(b))) === wanted,
  );
  return sample?.value ?? 0;
}
