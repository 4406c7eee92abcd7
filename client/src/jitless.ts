/**
 * zod compiles its parsers with `new Function` when it may; under the page's content security policy
 * (no 'unsafe-eval') it may not, and its probe is reported as a violation. Told up front, it parses
 * without compiling and never probes. Imported first by main.ts, before any schema is used.
 */
import { z } from "zod";

z.config({ jitless: true });
