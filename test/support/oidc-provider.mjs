// A real OpenID Connect provider (the oidc-provider package) for the console's SSO tests, run as
// its own Node process (oidc-provider is ESM-only). Its development login and consent pages take
// any password; the login names an account below. Usage:
//   node oidc-provider.mjs <port> <redirect_uri>   (env OIDC_TEST_USERS = {"login": {claims}})
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const users = JSON.parse(process.env.OIDC_TEST_USERS ?? '{}');

const provider = new Provider(`http://localhost:${port}`, {
  clients: [
    {
      client_id: 'safeharbor-console',
      client_secret: 'console-test-secret',
      redirect_uris: [redirectUri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  claims: { openid: ['sub'], profile: ['name', 'safeharbor_role'], email: ['email'] },
  async findAccount(_ctx, id) {
    if (!users[id]) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...users[id] };
      },
    };
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['oidc-test-cookie-key'] },
});
provider.proxy = false;
const server = provider.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
