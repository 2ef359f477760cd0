import { ADMIN, adminHeaders, expect, signIn, test, unique, waitForHydration } from './helpers';

test('an admin compares two versions of a custom role in words and reverts it', async ({ page, request, javaScriptEnabled }) => {
  const headers = await adminHeaders(request);
  const id = unique();
  const key = `desk-${id}`;
  const name = `Desk ${id}`;
  const created = await request.post('/api/roles', { headers, data: { key, name, actions: ['view_published_page'] } });
  expect(created.status(), await created.text()).toBe(201);
  const changed = await request.put(`/api/roles/${key}`, {
    headers,
    data: { name, actions: ['view_published_page', 'read_audit'], version: 1 },
  });
  expect(changed.status(), await changed.text()).toBe(200);

  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/admin/);
  await page.goto('/admin/roles');
  // With JavaScript the link is followed in the browser, which loads the history itself.
  if (javaScriptEnabled) await waitForHydration(page, '#roles-area');
  await page.getByRole('link', { name: `History of ${name}` }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/roles/${key}/history`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`History of the role ${name}`);
  const versions = page.locator('.history-table tbody tr');
  await expect(versions).toHaveCount(2);
  await expect(versions.nth(0)).toContainText('changed');
  await expect(versions.nth(1)).toContainText('created');
  const comparison = page.getByTestId('comparison');
  await expect(comparison.getByRole('heading')).toHaveText('Version 1 → version 2');
  await expect(comparison.locator('.change-list li')).toContainText([/Read the audit trail/]);

  await page.getByRole('button', { name: 'Revert to version 1' }).click();
  await expect(page.getByTestId('history-outcome')).toHaveText('Reverted to version 1, saved as a new version.');
  await expect(versions).toHaveCount(3);
  await expect(versions.nth(0)).toContainText('reverted to version 1');
  const role = await (await request.get('/api/roles', { headers })).json();
  const desk = role.roles.find((r: { key: string }) => r.key === key);
  expect(desk.actions).toEqual(['view_published_page']);
});

test('an admin reverts a tool to its registered settings from its history', async ({ page, request }) => {
  const headers = await adminHeaders(request);
  const slug = `history-tool-${unique()}`;
  const created = await request.post('/api/tools', {
    headers,
    data: { slug, name: 'Status API', kind: 'rest', base_url: '/mock/statuspage', auth: { type: 'none' }, config: { description: 'as registered' } },
  });
  expect(created.status(), await created.text()).toBe(201);
  const id = (await created.json()).id;
  const details = await (await request.get(`/api/tools/${id}`, { headers })).json();
  const changed = await request.put(`/api/tools/${id}`, { headers, data: { ...details.edit, name: 'Status API (renamed)' } });
  expect(changed.status(), await changed.text()).toBe(200);

  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/admin/);
  await page.goto(`/admin/tools/${id}/history`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('History of Status API (renamed)');
  await expect(page.getByTestId('comparison').locator('.change-list li')).toHaveText(["name: 'Status API' → 'Status API (renamed)'"]);
  await page.getByRole('button', { name: 'Revert to version 1' }).click();
  await expect(page.getByTestId('history-outcome')).toHaveText('Reverted to version 1, saved as a new version.');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('History of Status API');
  await expect(page.locator('.history-table tbody tr').nth(0)).toContainText('reverted to version 1');
});

test('an admin brings back an earlier single sign-on setting from its history', async ({ page, request, javaScriptEnabled }) => {
  // One run only: both projects would change the same organization's settings at once.
  test.skip(!javaScriptEnabled, 'the no-JS run shares the organization');
  const finance = { email: 'admin@finance.example.com', password: 'Finance123!' };
  const login = await request.post('/api/auth/login', { data: finance });
  const headers = { authorization: `Bearer ${(await login.json()).access_token}` };
  const tenant = crypto.randomUUID();
  for (const tenant_id of [tenant, null]) {
    const saved = await request.put('/api/sso', { headers, data: { tenant_id, password_sign_in: true } });
    expect(saved.status(), await saved.text()).toBe(200);
  }
  const history = await (await request.get('/api/sso/history', { headers })).json();
  const linked = history.versions[1].version as number;

  await signIn(page, finance);
  await page.goto('/admin/provisioning');
  await page.getByTestId('sso-history').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('History of the single sign-on settings');
  await expect(page.locator('main')).toContainText(tenant);
  await page.getByRole('button', { name: `Revert to version ${linked}` }).click();
  await expect(page.getByTestId('history-outcome')).toContainText(`Reverted to version ${linked}`);
  const now = await (await request.get('/api/sso', { headers })).json();
  expect(now.tenant_id).toBe(tenant);
  await request.put('/api/sso', { headers, data: { tenant_id: null, password_sign_in: true } });
});
