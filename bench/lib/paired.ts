/**
 * Paired timings: one warm-up run of each side (not recorded: first SDK call, first spawn,
 * JIT), then `reps` pairs whose order alternates, so drift on a noisy machine falls on both.
 */
export async function pairedRuns(
  reps: number,
  runOurs: () => Promise<number>,
  runBare: () => Promise<number>,
  log: (repetition: number) => void,
): Promise<{ ours: number[]; bare: number[] }> {
  const ours: number[] = [];
  const bare: number[] = [];
  await runOurs();
  await runBare();
  for (let i = 0; i < reps; i++) {
    log(i + 1);
    if (i % 2 === 0) {
      ours.push(await runOurs());
      bare.push(await runBare());
    } else {
      bare.push(await runBare());
      ours.push(await runOurs());
    }
  }
  return { ours, bare };
}
