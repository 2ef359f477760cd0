import { ADMIN, expect, signIn, test, waitForHydration, unique } from './helpers';

test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, 'the provisioning screen is interactive');

test('an admin issues a SCIM token, the identity provider pushes a group, and its role reaches the members', async ({ page, request }) => {
  const id = unique();
  await signIn(page, ADMIN);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Provisioning' }).click();
  await expect(page).toHaveURL(/\/admin\/provisioning/);
  await waitForHydration(page, '#provisioning-area');
  const origin = new URL(page.url()).origin;
  await expect(page.getByTestId('scim-endpoint')).toHaveValue(`${origin}/scim/v2`);

  const issue = page.getByRole('region', { name: 'Issue a token' });
  await issue.getByLabel('Label').fill(`Entra ${id}`);
  await issue.getByRole('button', { name: 'Issue token' }).click();
  await expect(page.getByTestId('provisioning-notice')).toContainText(`Issued the token Entra ${id}.`);
  const secret = await page.getByTestId('scim-token').inputValue();
  expect(secret.length).toBeGreaterThan(20);
  await expect(page.locator(`tr[data-token="Entra ${id}"]`)).toContainText('Active');

  // The identity provider's side: a user, then a group with that user in it.
  const scim = { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/scim+json' };
  const email = `pushed-${id}@example.com`;
  const user = await request.post('/scim/v2/Users', {
    headers: scim,
    data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: email, displayName: `Pushed ${id}`, active: true },
  });
  expect(user.status()).toBe(201);
  const userId = (await user.json()).id;
  const group = await request.post('/scim/v2/Groups', {
    headers: scim,
    data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: `Operators ${id}`, members: [{ value: userId }] },
  });
  expect(group.status()).toBe(201);

  await page.reload();
  await waitForHydration(page, '#provisioning-area');
  const row = page.locator(`tr[data-group="Operators ${id}"]`);
  await expect(row.locator('td').nth(2)).toHaveText('1');
  await row.getByLabel(`Role for Operators ${id}`).selectOption('editor');
  await expect(page.getByTestId('provisioning-notice')).toHaveText(`Members of Operators ${id} now get the role Editor.`);

  await page.goto(`/admin/users?q=${encodeURIComponent(email)}`);
  await expect(page.locator(`tr[data-user-email="${email}"]`)).toContainText('Editor');

  // Revoked, the token stops working at once.
  await page.goto('/admin/provisioning');
  await waitForHydration(page, '#provisioning-area');
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: `Revoke Entra ${id}` }).click();
  await expect(page.locator(`tr[data-token="Entra ${id}"]`)).toContainText('Revoked');
  const refused = await request.get('/scim/v2/Users', { headers: scim });
  expect(refused.status()).toBe(401);
});
