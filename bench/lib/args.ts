// The benchmarks' number options: `--name value`, kept within [min, max]; a value that is not a
// number, or no option, gives the fallback.
export function numberArg(name: string, fallback: number, min: number, max: number): number {
  const i = process.argv.indexOf(name);
  const value = i > 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}
