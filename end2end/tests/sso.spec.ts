import { APIRequestContext, Page } from '@playwright/test';
import { ADMIN, expect, test } from './helpers';

// The people and the group id are those of end2end/oidc/provider.mjs; scripts/e2e.sh starts
// it and says which tenant its tokens carry.
const TENANT = process.env.OIDC_TEST_TENANT ?? '';
const OPS_GROUP = '6e5d0b1a-0000-4000-8000-0000000000ops';

async function adminApi(request: APIRequestContext) {
  const login = await request.post('/api/auth/login', { data: ADMIN });
  expect(login.status()).toBe(200);
  return { Authorization: `Bearer ${(await login.json()).access_token}` };
}

/** Links the provider's tenant to the seeded organization and maps the operations group. */
test.beforeAll(async ({ request }) => {
  expect(TENANT, 'OIDC_TEST_TENANT (scripts/e2e.sh sets it)').not.toBe('');
  const headers = await adminApi(request);
  const saved = await request.put('/api/sso', { headers, data: { tenant_id: TENANT, password_sign_in: true } });
  expect(saved.status()).toBe(200);
  // Both projects run this at once: converge on one group granting Integrator (a concurrent
  // add answers 409; the next round finds the group).
  await expect(async () => {
    const groups = (await (await request.get('/api/groups', { headers })).json()).groups;
    let group = groups.find((candidate: any) => candidate.external_id === OPS_GROUP);
    if (!group) {
      const added = await request.post('/api/groups', {
        headers,
        data: { display_name: 'Platform operations (sign-in)', external_id: OPS_GROUP, role: 'integrator' },
      });
      expect(added.status()).toBe(201);
      group = await added.json();
    }
    if (group.role !== 'integrator') {
      const set = await request.put(`/api/groups/${group.id}/role`, { headers, data: { role: 'integrator' } });
      expect(set.status()).toBe(200);
    }
  }).toPass();
});

/** From the sign-in page through the provider's own login and consent forms. */
async function signInWithMicrosoft(page: Page, login: string) {
  await page.goto('/login');
  await page.getByTestId('sign-in-sso').click();
  await expect(page.locator('input[name="login"]')).toBeVisible();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password works here');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

test('the first sign-in with Microsoft creates the person with the role and attributes from the token', async ({ page }) => {
  await expect(async () => {
    await page.goto('/login');
    await expect(page.getByTestId('sign-in-sso')).toHaveText('Sign in with Microsoft');
  }).toPass();
  await signInWithMicrosoft(page, 'finance.lead');
  await expect(page).toHaveURL(/\/admin/);
  const me = await (await page.request.get('/api/me')).json();
  expect(me.email).toBe('finance.lead@contoso.example');
  expect(me.display_name).toBe('Fiona Finance');
  expect(me.role).toBe('editor');
  expect(me.attributes).toEqual({ department: 'Finance', region: 'EU' });
});

test('someone in a mapped group gets the role the group grants', async ({ page, request }) => {
  await signInWithMicrosoft(page, 'ops.engineer');
  await expect(page).toHaveURL(/\/admin/);
  const me = await (await page.request.get('/api/me')).json();
  expect(me.email).toBe('ops.engineer@contoso.example');
  expect(me.role).toBe('integrator');
  expect(me.attributes.department).toBe('Operations');

  // The admin's users screen lists them; the audit trail says single sign-on created them.
  const headers = await adminApi(request);
  const users = (await (await request.get('/api/users?q=ops.engineer', { headers })).json()).users;
  expect(users.map((user: any) => [user.email, user.role])).toEqual([['ops.engineer@contoso.example', 'integrator']]);
  const trail = await (await request.get('/api/audit?action=user.create&actor=single', { headers })).json();
  const created = trail.records.filter((record: any) => record.resource_id === String(users[0].id));
  expect(created.map((record: any) => [record.actor, record.actor_kind])).toEqual([['single sign-on', 'single_sign_on']]);
  expect(created[0].changes.join(' ')).toContain('ops.engineer@contoso.example');
});

test('a tampered callback is refused with what to check, and nobody is created', async ({ page, request }) => {
  // The provider returns whatever state it was sent: change it on the way there, so the
  // callback carries a state this browser was never given. (Redirects cannot be routed.)
  await page.route('**/api/auth/oidc/start**', async (route) => {
    const response = await route.fetch({ maxRedirects: 0 });
    const location = new URL(response.headers()['location']);
    location.searchParams.set('state', 'tampered-state');
    await route.fulfill({ response, headers: { ...response.headers(), location: location.toString() } });
  });
  await signInWithMicrosoft(page, 'tampered.case');
  await expect(page).toHaveURL(/\/login\?error=sso_state/);
  const refusal = page.getByTestId('sign-in-refused');
  await expect(refusal).toHaveAttribute('data-reason', 'sso_state');
  await expect(refusal).toContainText('does not belong to a sign-in started in this browser');
  expect((await page.request.get('/api/me')).status()).toBe(401);
  const headers = await adminApi(request);
  const users = (await (await request.get('/api/users?q=tampered.case', { headers })).json()).users;
  expect(users).toEqual([]);
});

test('a callback nobody started is refused the same way', async ({ page }) => {
  await page.goto('/api/auth/oidc/callback?code=made-up&state=made-up');
  await expect(page).toHaveURL(/\/login\?error=sso_state/);
  await expect(page.getByTestId('sign-in-refused')).toBeVisible();
});
