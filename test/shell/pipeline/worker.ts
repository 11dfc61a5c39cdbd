/** Runs the CLI from source in a child process (`node test/shell/pipeline/worker.ts consumer …`), as the image runs it. */
import { main } from '../../../src/shell/cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
