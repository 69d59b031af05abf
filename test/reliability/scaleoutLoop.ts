// The scale-out fault run again and again (`node out/test/reliability/scaleoutLoop.js [runs] [folder]`,
// after `node esbuild.js --tests`): a failure that comes once in ten runs shows here, not in the one
// run of the reliability suite. Each run is the suite's (3 instances, 3 rooms of 8 clients, 2.5 s
// phases); a failed run's harness lines and instance logs go to the folder (default: a new one in
// the system's temporary folder). Exits 1 when any run failed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runScaleoutFaults } from './scaleout';

async function main(): Promise<number> {
  const runs = Number(process.argv[2] ?? 20);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`runs must be a positive whole number, got ${process.argv[2]}`);
  const folder = process.argv[3] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-scaleout-loop-'));
  fs.mkdirSync(folder, { recursive: true });
  let failed = 0;
  for (let run = 1; run <= runs; run++) {
    const lines: string[] = [];
    const result = await runScaleoutFaults({
      instances: 3,
      rooms: 3,
      clientsPerRoom: 8,
      phaseMs: 2500,
      log: (line) => lines.push(line),
      instanceLogs: (instance, output) =>
        fs.writeFileSync(path.join(folder, `run${run}-instance${instance}.log`), output),
    });
    const ok = result.converged && result.updatesLost + result.storedLost + result.duplicatedUpdates === 0;
    if (!ok) {
      failed++;
      fs.writeFileSync(path.join(folder, `run${run}-harness.log`), lines.join('\n') + '\n');
    }
    console.log(`run ${run}/${runs}: ${ok ? 'ok' : 'FAILED'} ${JSON.stringify(result)}`);
  }
  console.log(
    `${runs - failed} of ${runs} runs passed${failed > 0 ? `; logs of the failed ones in ${folder}` : ''}`,
  );
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
