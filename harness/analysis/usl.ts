// Universal Scalability Law (Gunther): X(N) = λN / (1 + σ(N−1) + κN(N−1)), fitted to the held
// levels of a scalability run. σ is contention (queueing on a shared resource), κ coherency
// (crosstalk: the cost grows with pairs of users), λ the throughput of one user without either.
// Throughput peaks at N* = √((1−σ)/κ).
//
// The fit minimises squared *relative* residuals, (X̂ − X)/X: a level at 5 req/s and one at 500
// req/s count alike, as noise grows with throughput. Starting points come from the linear form
// λN/X − 1 = σ(N−1) + κN(N−1) (linear in σ, κ once λ is fixed) over a grid of λ, and
// Levenberg–Marquardt polishes the best one with σ in [0, 1) and κ, λ ≥ 0. Three parameters need
// no numerical library.
import type { LevelStats, UslFit } from '../record/types.ts';

export interface UslPoint {
  n: number;
  x: number;
}

interface Params {
  sigma: number;
  kappa: number;
  lambda: number;
}

export function uslThroughput(p: Params, n: number): number {
  return (p.lambda * n) / (1 + p.sigma * (n - 1) + p.kappa * n * (n - 1));
}

function cost(p: Params, points: UslPoint[]): number {
  let sum = 0;
  for (const { n, x } of points) {
    const r = (uslThroughput(p, n) - x) / x;
    sum += r * r;
  }
  return sum;
}

function clamp(p: Params): Params {
  return {
    sigma: Math.min(Math.max(p.sigma, 0), 0.999999),
    kappa: Math.max(p.kappa, 0),
    lambda: Math.max(p.lambda, 1e-12),
  };
}

/** σ, κ for a fixed λ: weighted linear least squares on λN/X − 1 = σ(N−1) + κN(N−1). */
function linearStart(lambda: number, points: UslPoint[]): Params {
  // Relative residuals in X are about residuals in y divided by (1 + y): weight by 1/(1+y)².
  let saa = 0;
  let sab = 0;
  let sbb = 0;
  let say = 0;
  let sby = 0;
  for (const { n, x } of points) {
    const y = (lambda * n) / x - 1;
    const w = 1 / (1 + Math.max(y, 0)) ** 2;
    const a = n - 1;
    const b = n * (n - 1);
    saa += w * a * a;
    sab += w * a * b;
    sbb += w * b * b;
    say += w * a * y;
    sby += w * b * y;
  }
  const det = saa * sbb - sab * sab;
  let sigma = det !== 0 ? (say * sbb - sby * sab) / det : 0;
  let kappa = det !== 0 ? (saa * sby - sab * say) / det : 0;
  // A negative coefficient means the other one alone explains the data: refit with it at zero.
  if (kappa < 0) {
    kappa = 0;
    sigma = saa > 0 ? say / saa : 0;
  }
  if (sigma < 0) {
    sigma = 0;
    kappa = sbb > 0 ? Math.max(0, sby / sbb) : 0;
  }
  return clamp({ sigma, kappa, lambda });
}

function solve3(a: number[][], b: number[]): number[] | null {
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < 3; c++) {
    let pivot = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    if (Math.abs(m[pivot][c]) < 1e-300) return null;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k < 4; k++) m[r][k] -= f * m[c][k];
    }
  }
  return [m[0][3] / m[0][0], m[1][3] / m[1][1], m[2][3] / m[2][2]];
}

/** Levenberg–Marquardt on the relative residuals, in scaled parameters so steps are comparable. */
function polish(start: Params, points: UslPoint[]): Params {
  let p = start;
  let current = cost(p, points);
  let mu = 1e-3;
  for (let iter = 0; iter < 200; iter++) {
    // Jacobian of r_i = X̂(N_i)/X_i − 1 by σ, κ, λ (analytic).
    const jtj = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    const jtr = [0, 0, 0];
    for (const { n, x } of points) {
      const d = 1 + p.sigma * (n - 1) + p.kappa * n * (n - 1);
      const fit = (p.lambda * n) / d;
      const r = fit / x - 1;
      const g = [(-fit * (n - 1)) / d / x, (-fit * n * (n - 1)) / d / x, n / d / x];
      for (let i = 0; i < 3; i++) {
        jtr[i] += g[i] * r;
        for (let j = 0; j < 3; j++) jtj[i][j] += g[i] * g[j];
      }
    }
    let improved = false;
    while (mu < 1e12) {
      const a = jtj.map((row, i) => row.map((v, j) => (i === j ? v + mu * (v || 1e-12) : v)));
      const step = solve3(
        a,
        jtr.map((v) => -v),
      );
      if (!step) break;
      const next = clamp({ sigma: p.sigma + step[0], kappa: p.kappa + step[1], lambda: p.lambda + step[2] });
      const nextCost = cost(next, points);
      if (nextCost < current) {
        const gain = current - nextCost;
        p = next;
        current = nextCost;
        mu = Math.max(mu / 3, 1e-12);
        improved = gain > 1e-15 * Math.max(1, current);
        break;
      }
      mu *= 4;
    }
    if (!improved) break;
  }
  return p;
}

/** The raw fit (no judgement): at least three levels with throughput. */
export function fitUslParams(points: UslPoint[]): (Params & { r2: number }) | null {
  const usable = points.filter((p) => p.n > 0 && p.x > 0 && Number.isFinite(p.x));
  if (usable.length < 3) return null;
  const perUser = Math.max(...usable.map((p) => p.x / p.n));
  let best: Params | null = null;
  let bestCost = Number.POSITIVE_INFINITY;
  // λ is at least the best throughput per user measured (contention only lowers it); try up to 20×.
  for (let i = 0; i <= 60; i++) {
    const lambda = perUser * 20 ** (i / 60);
    const start = linearStart(lambda, usable);
    const c = cost(start, usable);
    if (c < bestCost) {
      best = start;
      bestCost = c;
    }
  }
  if (!best) return null;
  const fitted = polish(best, usable);
  const mean = usable.reduce((s, p) => s + p.x, 0) / usable.length;
  let ssRes = 0;
  let ssTot = 0;
  for (const { n, x } of usable) {
    ssRes += (uslThroughput(fitted, n) - x) ** 2;
    ssTot += (x - mean) ** 2;
  }
  return { ...fitted, r2: ssTot > 0 ? 1 - ssRes / ssTot : 1 };
}

/** The fit with N*, X(N*), whether it is good enough to act on, and a sentence saying so. */
export function fitUsl(levels: LevelStats[]): UslFit | null {
  const points = levels.filter((l) => l.rps > 0).map((l) => ({ n: l.vus, x: l.rps }));
  const fit = fitUslParams(points);
  if (!fit) return null;
  const ns = points.map((p) => p.n);
  const [low, high] = [Math.min(...ns), Math.max(...ns)];
  const peakVus = fit.kappa > 0 ? Math.sqrt((1 - fit.sigma) / fit.kappa) : null;
  const peakRps =
    peakVus !== null ? uslThroughput(fit, peakVus) : fit.sigma > 0 ? fit.lambda / fit.sigma : Infinity;
  const boundedVus = Math.round(Math.min(Math.max(peakVus ?? high, low), high));
  const reasons: string[] = [];
  if (points.length < 4) reasons.push(`only ${points.length} levels were measured (4 or more are needed)`);
  if (fit.r2 < 0.9)
    reasons.push(`the curve explains only ${(fit.r2 * 100).toFixed(0)} % of the variation (r² < 0.9)`);
  if (peakVus === null) reasons.push('no coherency cost was found (κ = 0), so the curve has no peak');
  else if (peakVus > 2 * high)
    reasons.push(`N* (${peakVus.toFixed(0)} VUs) lies beyond twice the highest level measured (${high} VUs)`);
  const good = reasons.length === 0;
  const quality = `σ = ${fit.sigma.toPrecision(3)}, κ = ${fit.kappa.toPrecision(3)}, λ = ${fit.lambda.toPrecision(3)} req/s per VU, r² = ${fit.r2.toFixed(3)} over ${points.length} levels`;
  const note = good
    ? `Throughput peaks near N* = ${peakVus!.toFixed(1)} VUs at ${peakRps.toFixed(1)} req/s (${quality}); --vus auto takes ${boundedVus} VUs.`
    : `The fit is not good enough to act on: ${reasons.join('; ')} (${quality}); --vus auto takes the 95 % rule's level instead.`;
  return {
    sigma: fit.sigma,
    kappa: fit.kappa,
    lambda: fit.lambda,
    r2: fit.r2,
    peakVus,
    peakRps: Number.isFinite(peakRps) ? peakRps : 0,
    boundedVus,
    good,
    note,
    levels: points.length,
  };
}
