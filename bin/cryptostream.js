#!/usr/bin/env node
// The one CLI of every role. Runs the build in dist/ (npm ci builds it through the prepare script).
import { runAsProcess } from '../dist/shell/cli/main.js';

await runAsProcess(process.argv.slice(2));
