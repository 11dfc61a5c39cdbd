#!/usr/bin/env node
// The one CLI of every role. Runs the build in dist/ (npm ci builds it through the prepare script).
import { main } from '../dist/shell/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
