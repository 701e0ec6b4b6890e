#!/usr/bin/env node
// Launcher of the `palisade` command: loads the TypeScript CLI through tsx and exits with its code.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exit(await main(process.argv.slice(2)));
