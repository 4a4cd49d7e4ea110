#!/usr/bin/env node
import { main } from '../cli/main.js';

// aidosd is `aidos daemon`, for systemd units and process lists.
await main([process.argv[0] as string, process.argv[1] as string, 'daemon', ...process.argv.slice(2)]);
