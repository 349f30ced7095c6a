// Test-Identitätsanbieter: the certified OpenID Provider `oidc-provider` (npm) as the stand-in
// for "Mein Unternehmenskonto" and for a member organisation's own staff directory
// (`--identities tools/oidc_provider/staff_identities.json`, claim `roles`) in tests and the
// demo. Not for production.
//
//   node tools/oidc_provider/server.mjs --port 0 --client-id ID --client-secret SECRET \
//        --redirect-uri URL [--redirect-uri URL ...] [--identities FILE]
//
// Listens on 127.0.0.1 (port 0: a free one), then prints one line `READY <issuer>` on stdout.
// Log-in page: oidc-provider's development interaction; the login name is the key of a test
// identity in identities.json (any password). Grants are given without a consent page.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'client-id': { type: 'string', default: 'openkommune-test' },
    'client-secret': { type: 'string', default: 'test-secret-not-for-production' },
    'redirect-uri': { type: 'string', multiple: true, default: [] },
    identities: { type: 'string', default: join(here, 'identities.json') },
  },
});

const { accounts } = JSON.parse(readFileSync(values.identities, 'utf8'));
const server = createServer();
await new Promise((resolve) => server.listen(Number(values.port), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: values['client-id'],
      client_secret: values['client-secret'],
      redirect_uris: values['redirect-uri'],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  claims: {
    openid: ['sub'],
    profile: ['given_name', 'family_name'],
    email: ['email', 'email_verified'],
    company: ['company'],
    roles: ['roles'],
  },
  scopes: ['openid', 'profile', 'email', 'company', 'roles'],
  // The scope's claims go into the ID token (the client reads no userinfo).
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  // The login name is the key in identities.json and the person's `sub`.
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { ...account, sub: id };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const { client, session } = ctx.oidc;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope('openid profile email company roles');
    await grant.save();
    return grant;
  },
  // Plain HTTP on 127.0.0.1: tests and the local demo only.
  cookies: { keys: ['test-identitaetsanbieter-cookie-key'] },
});
provider.proxy = false;
server.on('request', provider.callback());
process.stdout.write(`READY ${issuer}\n`);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
