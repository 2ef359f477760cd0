// A certified OpenID Connect provider (npm `oidc-provider`) on loopback for the sign-in tests:
// one client (this server), and people whose tokens carry Entra ID's claims — tenant (`tid`),
// app roles (`roles`), group object ids (`groups`) and attributes. Its login form is the
// package's own (any password is accepted; the login name picks the person).
import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
};

const port = Number(env('OIDC_PORT'));
const issuer = `http://127.0.0.1:${port}`;
const tenant = env('OIDC_TENANT');

// Kept in step with end2end/tests/sso.spec.ts.
const people = {
  'finance.lead': {
    email: 'finance.lead@contoso.example',
    name: 'Fiona Finance',
    roles: ['Editor'],
    groups: [],
    department: 'Finance',
    region: 'EU',
  },
  'ops.engineer': {
    email: 'ops.engineer@contoso.example',
    name: 'Oscar Ops',
    roles: [],
    groups: ['6e5d0b1a-0000-4000-8000-0000000000ops'],
    department: 'Operations',
    region: 'US',
  },
  'tampered.case': {
    email: 'tampered.case@contoso.example',
    name: 'Tess Tampered',
    roles: ['Admin'],
    groups: [],
    department: 'Security',
    region: 'EU',
  },
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env('OIDC_CLIENT_ID'),
      client_secret: env('OIDC_CLIENT_SECRET'),
      redirect_uris: [env('OIDC_REDIRECT_URL')],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  claims: {
    openid: ['sub', 'tid'],
    email: ['email'],
    profile: ['name', 'roles', 'groups', 'department', 'region'],
  },
  // Put the claims of the granted scopes in the ID token, as Entra ID does.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['sign-in-tests-only'] },
  async findAccount(_ctx, id) {
    const person = people[id];
    if (!person) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, tid: tenant, ...person }) };
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
