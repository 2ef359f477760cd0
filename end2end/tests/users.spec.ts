import { Browser, Page } from '@playwright/test';
import { ADMIN, expect, signIn, test, waitForHydration, unique } from './helpers';

async function openUsers(page: Page) {
  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/admin/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL(/\/admin\/users/);
  await waitForHydration(page, '#users-area');
}

async function addUser(page: Page, name: string, email: string, role: string, password = '') {
  const form = page.getByRole('region', { name: 'Add user' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Role').selectOption(role);
  if (password) await form.getByLabel('Initial password (optional)').fill(password);
  await form.getByRole('button', { name: 'Add user' }).click();
  await expect(page.getByTestId('users-notice')).toContainText(`Added ${name}`);
}

/** Signs in somewhere else, as the new user would on their own machine. */
async function elsewhere(browser: Browser, javaScriptEnabled: boolean) {
  const context = await browser.newContext({ javaScriptEnabled });
  return { context, page: await context.newPage() };
}

test.describe('the users screen', () => {
  test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, 'the users screen is interactive');

  test('an admin adds someone with a one-time link, they choose a password without JavaScript, and it shows as their last sign-in', async ({ page, browser }) => {
    await openUsers(page);
    const id = unique();
    const email = `nina-${id}@example.com`;
    await addUser(page, `Nina ${id}`, email, 'editor');
    const link = await page.getByTestId('password-link').inputValue();
    expect(link).toMatch(/\/set-password\?token=[0-9a-f]{64}$/);
    const row = page.locator(`tr[data-user-email="${email}"]`);
    await expect(row).toContainText('Invited');
    await expect(row).toContainText('never');

    const nina = await elsewhere(browser, false);
    await nina.page.goto(link);
    await nina.page.getByLabel('New password').fill('Chosen123!');
    await nina.page.getByLabel('Type it again').fill('Chosen124!');
    await nina.page.getByRole('button', { name: 'Set password' }).click();
    await expect(nina.page.getByRole('alert')).toContainText('The two passwords are different');
    await nina.page.getByLabel('New password').fill('Chosen123!');
    await nina.page.getByLabel('Type it again').fill('Chosen123!');
    await nina.page.getByRole('button', { name: 'Set password' }).click();
    await expect(nina.page.getByRole('status')).toHaveText('Your password is set. Sign in with it.');
    await signIn(nina.page, { email, password: 'Chosen123!' });
    await expect(nina.page.getByTestId('current-user')).toContainText('Editor');
    await nina.page.goto(link);
    await nina.page.getByLabel('New password').fill('Another123!');
    await nina.page.getByLabel('Type it again').fill('Another123!');
    await nina.page.getByRole('button', { name: 'Set password' }).click();
    await expect(nina.page.getByRole('alert')).toContainText('expired or was already used');
    await nina.context.close();

    await page.reload();
    await waitForHydration(page, '#users-area');
    await expect(row).toContainText('Active');
    await expect(row.locator('td').nth(4)).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  });

  test('an admin changes a role and attributes, disables a signed-in user who is refused at once, and cannot disable themselves', async ({ page, browser }) => {
    await openUsers(page);
    const id = unique();
    const email = `hank-${id}@example.com`;
    await addUser(page, `Hank ${id}`, email, 'viewer', 'Hank12345!');

    const hank = await elsewhere(browser, true);
    await signIn(hank.page, { email, password: 'Hank12345!' });
    await expect(hank.page).toHaveURL(/\/portal/);

    await page.getByRole('searchbox', { name: 'Search by name or email' }).fill(`hank-${id}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByTestId('users-summary')).toHaveText('1 user');
    await waitForHydration(page, '#users-area');
    await page.getByRole('button', { name: `Edit Hank ${id}` }).click();
    const editor = page.getByTestId('edit-user');
    await editor.getByLabel('Role').selectOption('editor');
    await editor.getByRole('button', { name: 'Add attribute' }).click();
    await editor.getByRole('textbox', { name: 'Attribute' }).fill('department');
    await editor.getByRole('textbox', { name: 'Value' }).fill('Finance');
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect(page.getByTestId('users-notice')).toHaveText(`Saved Hank ${id}.`);
    const row = page.locator(`tr[data-user-email="${email}"]`);
    await expect(row).toContainText('Editor');

    page.once('dialog', (dialog) => dialog.accept());
    await row.getByRole('button', { name: `Disable Hank ${id}` }).click();
    await expect(page.getByTestId('users-notice')).toHaveText(`Hank ${id} is disabled and signed out.`);
    await expect(row).toContainText('Disabled');
    await hank.page.goto('/portal');
    await expect(hank.page).toHaveURL(/\/login/);
    await hank.context.close();

    await page.goto('/admin/users?q=admin@example.com');
    await waitForHydration(page, '#users-area');
    page.once('dialog', (dialog) => dialog.accept());
    await page.getByRole('button', { name: 'Disable Ada Admin' }).click();
    await expect(page.getByTestId('users-notice')).toHaveText('You cannot disable your own account. Ask another Admin.');

    await page.goto('/admin/audit?action=user.disable');
    await expect(page.locator('.audit-table tbody tr').first()).toContainText('disabled the user');
    await expect(page.locator('.audit-table tbody tr').first()).toContainText("status: 'active' → 'disabled'");
  });
});

test('viewers cannot open the users screen, with or without JavaScript', async ({ page }) => {
  await signIn(page, { email: 'viewer@example.com', password: 'Viewer123!' });
  await expect(page).toHaveURL(/\/portal/);
  await page.goto('/admin/users');
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' })).toHaveCount(0);
});
