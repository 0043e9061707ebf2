// Verifies credential files with the independent judge of `verifier.mjs` (Digital Bazaar's
// libraries, offline):
//
//   node verify-credentials.mjs FILE...
//
// prints one JSON line per file — {"file", "verified", "error"} — and exits 0 when every file
// verified, 1 otherwise.
import { readFileSync } from 'node:fs';
import { verify } from './verifier.mjs';

let failed = 0;
for (const file of process.argv.slice(2)) {
  let line;
  try {
    line = { file, ...await verify(JSON.parse(readFileSync(file, 'utf8'))) };
  } catch (e) {
    line = { file, verified: false, error: String(e?.message ?? e) };
  }
  if (!line.verified) failed += 1;
  console.log(JSON.stringify(line));
}
process.exit(failed === 0 ? 0 : 1);
