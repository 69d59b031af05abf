// `npm run fuzz`: the shared-editing fuzz against the real server (see collabFuzz.ts).
// TANDEM_FUZZ_SEED (first seed, default 1) and TANDEM_FUZZ_SEEDS (how many, default 20).
// Ends with `N seeds, M divergences, K lost edits`; exits non-zero unless M and K are 0.
import { runCollabFuzz } from './collabFuzz';

function integer(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name} must be a non-negative integer, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const first = integer('TANDEM_FUZZ_SEED', 1);
  const count = Math.max(1, integer('TANDEM_FUZZ_SEEDS', 20));
  const seeds = Array.from({ length: count }, (_, index) => first + index);
  const started = Date.now();
  const result = await runCollabFuzz({ seeds, log: (line) => console.log(line) });
  const failed = result.seeds.filter((seed) => !seed.converged || seed.lostEdits > 0);
  if (failed.length > 0)
    console.log(
      `replay a failing seed with: TANDEM_FUZZ_SEED=${failed[0].seed} TANDEM_FUZZ_SEEDS=1 npm run fuzz`,
    );
  console.log(`finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(
    `${result.seeds.length} seeds, ${result.divergences} divergences, ${result.lostEdits} lost edits`,
  );
  process.exitCode = result.divergences === 0 && result.lostEdits === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
