/**
 * Loaded by mocha before any spec (.mocharc.json "require"). @colyseus/testing imports
 * @colyseus/tools, whose first load prints notes about .env files; the server's own start silences
 * them the same way (src/tools.ts), so the test report stays the report. Specs may reach the
 * package through require (its CommonJS build) or import (its ES build): both are loaded here.
 */
import { createRequire } from "node:module";
import { importColyseusTools, quietly } from "../src/tools.ts";

await importColyseusTools();
await quietly(() => createRequire(import.meta.url)("@colyseus/tools"));
