#!/usr/bin/env node
// The demo landing pages as a process of their own. TypeScript runs through tsx's loader: no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
