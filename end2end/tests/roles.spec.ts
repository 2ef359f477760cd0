import { ADMIN, expect, signIn, test, waitForHydration, unique } from './helpers';

test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, 'the roles and users screens are interactive');

test('an admin makes a custom role and a user with it, who sees only what the role allows', async ({ page, browser }) => {
  const id = unique();
  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/admin/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Roles' }).click();
  await expect(page).toHaveURL(/\/admin\/roles/);
  await waitForHydration(page, '#roles-area');
  const builtIn = page.locator('tr[data-role="viewer"]');
  await expect(builtIn).toContainText('Built-in');
  await expect(builtIn.getByRole('button')).toHaveCount(0);

  const form = page.getByTestId('role-form');
  await form.getByLabel('Name').fill(`Auditing reader ${id}`);
  await expect(form.getByLabel(/^Key/)).toHaveValue(`auditing-reader-${id}`);
  for (const action of ['View published pages', 'Open the admin area', 'Read the audit trail']) {
    await form.getByLabel(action).check();
  }
  await form.getByRole('button', { name: 'Create role' }).click();
  await expect(page.getByTestId('roles-notice')).toHaveText(`Saved the role Auditing reader ${id}.`);
  const custom = page.locator(`tr[data-role="auditing-reader-${id}"]`);
  await expect(custom).toContainText('Custom');
  await expect(custom).toContainText('Read the audit trail');

  await page.goto('/admin/users');
  await waitForHydration(page, '#users-area');
  const add = page.getByRole('region', { name: 'Add user' });
  const email = `reader-${id}@example.com`;
  await add.getByLabel('Name').fill(`Reader ${id}`);
  await add.getByLabel('Email').fill(email);
  await add.getByLabel('Role').selectOption(`auditing-reader-${id}`);
  await add.getByLabel('Initial password (optional)').fill('Reader123!');
  await add.getByRole('button', { name: 'Add user' }).click();
  await expect(page.locator(`tr[data-user-email="${email}"]`)).toContainText(`Auditing reader ${id}`);

  const reader = await browser.newContext();
  const readerPage = await reader.newPage();
  await signIn(readerPage, { email, password: 'Reader123!' });
  await expect(readerPage).toHaveURL(/\/admin/);
  const nav = readerPage.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Audit' })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Tools' })).toHaveCount(0);
  await expect(nav.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await expect(readerPage.getByTestId('current-user')).toContainText(`Auditing reader ${id}`);
  await readerPage.goto('/admin/audit');
  await expect(readerPage.getByTestId('audit-summary')).toBeVisible();
  await readerPage.goto('/admin/users');
  await expect(readerPage.getByTestId('forbidden')).toBeVisible();
  await reader.close();

  // Assigned, the role cannot be deleted.
  await page.goto('/admin/roles');
  await waitForHydration(page, '#roles-area');
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: `Delete Auditing reader ${id}` }).click();
  await expect(page.getByTestId('roles-notice')).toContainText('Give them another role first.');
});
