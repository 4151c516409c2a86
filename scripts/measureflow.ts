// Development entry: runs the CLI from source under tsx (`npx tsx scripts/measureflow.ts …`).
import { main } from '../src/node/cli.js';

process.exitCode = await main(process.argv);
