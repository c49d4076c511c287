// Execution segments: how one instance of a test split between several k6 instances works out its
// share, as k6 documents it (https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#execution-segment,
// and the design in the public grafana/k6 issues "Execution segments" and "Distributed execution").
//
// A segment is a rational range (from, to] of [0, 1]; a sequence is the chain of segments the whole
// test is cut into ("0,1/4,1/2,3/4,1"). Integers (VUs, iterations, arrival ticks) are handed out to
// the segments of the sequence by striping: numbering the items 0, 1, 2, …, item i goes to the
// largest segment that is behind its proportional share at i. The pattern repeats every `lcd`
// items, the least common denominator of the segments' lengths, so every instance can compute
// its own items, and the items of all instances together are each item exactly once.
//
// Exact arithmetic with BigInt fractions: a segment of 1/3 must not lose a VU to rounding.
import { InvalidOptionsError } from './metrics/errors.ts';

/** A non-negative fraction n/d in lowest terms (d > 0). */
export interface Fraction {
  n: bigint;
  d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b < 0n ? -b : b];
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function frac(n: bigint, d: bigint): Fraction {
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

const cmp = (a: Fraction, b: Fraction): number => {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};
const sub = (a: Fraction, b: Fraction): Fraction => frac(a.n * b.d - b.n * a.d, a.d * b.d);
const ZERO: Fraction = { n: 0n, d: 1n };
const ONE: Fraction = { n: 1n, d: 1n };

/** k6's way of writing a fraction: "1/4", or "1" and "0" for whole numbers. */
export function fractionText(f: Fraction): string {
  return f.d === 1n ? String(f.n) : `${f.n}/${f.d}`;
}

/** Two decimals, as k6 writes the bounds in its segment errors ("0.50"). */
function twoDecimals(f: Fraction): string {
  const negative = f.n < 0n;
  const scaled = ((negative ? -f.n : f.n) * 1000n) / f.d;
  const rounded = (scaled + 5n) / 10n;
  const text = `${rounded / 100n}.${String(rounded % 100n).padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}

/**
 * One bound as k6 reads it: a percentage of a whole number ("25%"), a decimal ("0.25", "2.5e-1")
 * or a fraction ("1/4").
 */
export function parseFraction(text: string): Fraction {
  const s = text.trim();
  if (s.endsWith('%')) {
    const body = s.slice(0, -1);
    if (!/^[+-]?\d+$/.test(body)) throw new InvalidOptionsError(`'${text}' is not a valid percentage`);
    return frac(BigInt(body), 100n);
  }
  const fraction = /^([+-]?\d+)\/(\d+)$/.exec(s);
  if (fraction) {
    if (BigInt(fraction[2]) !== 0n) return frac(BigInt(fraction[1]), BigInt(fraction[2]));
  } else {
    const decimal = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
    if (decimal && (decimal[2] || decimal[3]) && Math.abs(Number(decimal[4] ?? 0)) <= 100) {
      const digits = BigInt(`${decimal[2] || '0'}${decimal[3] ?? ''}`);
      const exponent = Number(decimal[4] ?? 0) - (decimal[3]?.length ?? 0);
      const signed = decimal[1] === '-' ? -digits : digits;
      return exponent >= 0
        ? frac(signed * 10n ** BigInt(exponent), 1n)
        : frac(signed, 10n ** BigInt(-exponent));
    }
  }
  throw new InvalidOptionsError(`'${text}' is not a valid percentage, decimal, fraction or interval value`);
}

export interface Segment {
  from: Fraction;
  to: Fraction;
}

/** A segment with 0 ≤ from < to ≤ 1, with k6's sentences when it is not. */
export function makeSegment(from: Fraction, to: Fraction): Segment {
  if (cmp(from, ZERO) < 0)
    throw new InvalidOptionsError(`segment start value must be at least 0 but was ${twoDecimals(from)}`);
  if (cmp(from, to) >= 0)
    throw new InvalidOptionsError(
      `segment start(${twoDecimals(from)}) must be less than its end(${twoDecimals(to)})`,
    );
  if (cmp(to, ONE) > 0)
    throw new InvalidOptionsError(`segment end value can't be more than 1 but was ${twoDecimals(to)}`);
  return { from, to };
}

/**
 * `--execution-segment`: "from:to" with either bound in any of parseFraction's forms, or a
 * single value, the end of a segment that starts at 0 ("1/4" is 0:1/4); empty is the whole test.
 */
export function parseSegment(text: string): Segment {
  const s = text === '' ? '1' : text;
  const colon = s.indexOf(':');
  if (colon < 0) return makeSegment(ZERO, parseFraction(s));
  return makeSegment(parseFraction(s.slice(0, colon)), parseFraction(s.slice(colon + 1)));
}

export function segmentText(s: Segment | null): string {
  return s ? `${fractionText(s.from)}:${fractionText(s.to)}` : '0:1';
}

const segLength = (s: Segment): Fraction => sub(s.to, s.from);
const sameSegment = (a: Segment | null, b: Segment | null): boolean => {
  const [x, y] = [a ?? { from: ZERO, to: ONE }, b ?? { from: ZERO, to: ONE }];
  return cmp(x.from, y.from) === 0 && cmp(x.to, y.to) === 0;
};

/** `--execution-segment-sequence`: "r1,r2,…,rn", the segments (r1,r2], (r2,r3], …; empty is none. */
export function parseSequence(text: string): Segment[] | null {
  if (text === '') return null;
  const points = text.split(',');
  if (points.length < 2)
    throw new InvalidOptionsError(
      `at least 2 points are needed for an execution segment sequence, ${points.length} given`,
    );
  const values = points.map(parseFraction);
  const segments: Segment[] = [];
  for (let i = 1; i < values.length; i++) segments.push(makeSegment(values[i - 1], values[i]));
  return segments;
}

export function sequenceText(seq: Segment[]): string {
  return seq.length === 0 ? '' : [seq[0].from, ...seq.map((s) => s.to)].map(fractionText).join(',');
}

/**
 * The items of one segment among 0 … lcd−1, in order; items lcd, lcd+1, … repeat the pattern
 * (item i belongs to the segment when i mod lcd is among `members`). Plain data: it crosses
 * between threads with the scenario it belongs to.
 */
export interface Stripe {
  lcd: number;
  members: number[];
}

/** The whole test: every item. */
export const WHOLE: Stripe = { lcd: 1, members: [0] };

/** How many of the items 0 … value−1 are the stripe's: its share of `value` (k6's ScaleInt64). */
export function scaleBy(stripe: Stripe, value: number): number {
  const whole = Math.floor(value / stripe.lcd) * stripe.members.length;
  const rest = value % stripe.lcd;
  let extra = 0;
  while (extra < stripe.members.length && stripe.members[extra] < rest) extra++;
  return whole + extra;
}

/** The test-wide number of the stripe's k-th item (both 0-based). */
export function itemOf(stripe: Stripe, k: number): number {
  const m = stripe.members.length;
  return Math.floor(k / m) * stripe.lcd + stripe.members[k % m];
}

/** Whether test-wide item i is the stripe's. */
export function hasItem(stripe: Stripe, i: number): boolean {
  const r = i % stripe.lcd;
  let lo = 0;
  let hi = stripe.members.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = stripe.members[mid];
    if (v === r) return true;
    if (v < r) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** The stripes repeat every `lcd` items; beyond this many a stripe is not worth its memory. */
export const MAX_LCD = 1_000_000;

/**
 * The stripes of a full sequence (starting at 0, ending at 1). Each item i of 0 … lcd−1 goes to
 * the first segment, largest first (ties in sequence order), that has so far received fewer
 * items than its proportional share at i: count × lcd ≤ i × numerator, where numerator/lcd is
 * its length.
 */
function stripesOf(seq: Segment[]): Stripe[] {
  const lengths = seq.map(segLength);
  let lcd = 1n;
  for (const l of lengths) lcd = (lcd * l.d) / gcd(lcd, l.d);
  if (lcd > BigInt(MAX_LCD))
    throw new InvalidOptionsError(
      `the execution segment sequence ${sequenceText(seq)} needs stripes of ${lcd} items; this engine handles at most ${MAX_LCD} (use fractions with smaller denominators).`,
    );
  const size = Number(lcd);
  const numerators = lengths.map((l) => Number(l.n * (lcd / l.d)));
  const order = numerators.map((_, i) => i).sort((a, b) => numerators[b] - numerators[a] || a - b);
  const counts = numerators.map(() => 0);
  const members: number[][] = numerators.map(() => []);
  for (let i = 0; i < size; i++) {
    for (const j of order) {
      if (counts[j] * size <= i * numerators[j]) {
        counts[j]++;
        members[j].push(i);
        break;
      }
    }
  }
  return members.map((m) => ({ lcd: size, members: m }));
}

/** The sequence with the gaps before its first and after its last segment filled. */
function filled(sequence: Segment[] | null, segment: Segment | null): Segment[] {
  let seq: Segment[];
  if (!sequence || sequence.length === 0) {
    if (!segment || cmp(segLength(segment), ONE) === 0) return [{ from: ZERO, to: ONE }];
    seq = [segment];
  } else seq = [...sequence];
  if (cmp(seq[0].from, ZERO) !== 0) seq.unshift({ from: ZERO, to: seq[0].from });
  if (cmp(seq[seq.length - 1].to, ONE) !== 0) seq.push({ from: seq[seq.length - 1].to, to: ONE });
  return seq;
}

/** One instance's segment within the (filled) sequence: k6's "execution tuple". */
export interface Tuple {
  sequence: Segment[];
  index: number;
  stripes: Stripe[];
}

/**
 * The tuple of `segment` in `sequence`; null segment is the whole test (0:1). Throws k6's
 * sentence when a sequence is given and the segment is not one of its segments.
 */
export function tupleOf(segment: Segment | null, sequence: Segment[] | null): Tuple {
  if (sequence && sequence.length > 0 && !sequence.some((s) => sameSegment(s, segment))) {
    throw new InvalidOptionsError(
      `provided segment ${segmentText(segment)} can't be found in sequence ${sequenceText(sequence)}`,
    );
  }
  const seq = filled(sequence, segment);
  const index = seq.findIndex((s) => sameSegment(s, segment));
  // The sequence was checked above; without one, filled() built it around the segment.
  return { sequence: seq, index, stripes: stripesOf(seq) };
}

export function stripeOf(t: Tuple): Stripe {
  return t.sequence.length === 1 ? WHOLE : t.stripes[t.index];
}

/** This instance's share of `value`. */
export function scaleInt(t: Tuple, value: number): number {
  return scaleBy(stripeOf(t), value);
}

/**
 * The tuple re-cut along `value`: each segment's new length is its share of `value` divided by
 * `value`, segments with no share left out. k6 hands out the iterations of shared-iterations and
 * the arrivals of the arrival-rate executors along the segments cut by their VUs (maxVUs), so an
 * instance with no VU gets no work and, for instance, a 1-VU scenario runs on exactly one
 * instance. Null when this instance's share of `value` is 0.
 */
export function resegment(t: Tuple, value: number): Tuple | null {
  if (value < 1) return null;
  const stripes = t.sequence.length === 1 ? [WHOLE] : t.stripes;
  if (value % stripes[0].lcd === 0) return t;
  const seq: Segment[] = [];
  let prev = 0;
  let index = -1;
  stripes.forEach((stripe, i) => {
    const share = scaleBy(stripe, value);
    if (share === 0) return;
    if (i === t.index) index = seq.length;
    seq.push({ from: frac(BigInt(prev), BigInt(value)), to: frac(BigInt(prev + share), BigInt(value)) });
    prev += share;
  });
  if (index < 0) return null;
  return { sequence: seq, index, stripes: stripesOf(seq) };
}

/**
 * k6's ExecutionSegment.Scale: round(value × to − round(value × from)), rounding halves up. A
 * plain proportional share of one segment, without the sequence (not what the executors use).
 */
export function scaleSegment(s: Segment, value: number): number {
  const roundHalfUp = (f: Fraction): bigint => {
    const q = f.n / f.d;
    const r = f.n % f.d;
    return 2n * r >= f.d ? q + 1n : q;
  };
  const v = BigInt(value);
  const fromRounded = roundHalfUp(frac(v * s.from.n, s.from.d));
  return Number(roundHalfUp(frac(v * s.to.n - fromRounded * s.to.d, s.to.d)));
}
