import { APIRequestContext } from '@playwright/test';
import { ADMIN, VIEWER, expect, renamedPage, signIn, test } from './helpers';

/** A published page whose one widget is then renamed "Tickets" → "Open tickets". */
async function editedPage(request: APIRequestContext) {
  return (await renamedPage(request, 'desk')).id;
}

test('an admin filters the audit trail to a page and reads its edit in words, with the JSON Patch one click away', async ({ page, request }) => {
  const id = await editedPage(request);
  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/admin/);
  await page.getByRole('link', { name: 'Audit' }).click();
  await expect(page).toHaveURL(/\/admin\/audit/);
  const filters = page.getByRole('search', { name: 'Filter the audit trail' });
  await filters.getByLabel('Resource type').selectOption('page');
  await filters.getByLabel('Resource id').fill(String(id));
  await filters.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(new RegExp(`resource_type=page&resource_id=${id}`));
  await expect(page.getByTestId('audit-summary')).toHaveText('2 changes · page 1 of 1');
  const newest = page.locator('.audit-table tbody tr').first();
  await expect(newest).toContainText('saved the draft');
  await expect(newest).toContainText('admin@example.com');
  await expect(newest.locator('.change-list li')).toHaveText(["Widget 'Open tickets' → title: 'Tickets' → 'Open tickets'"]);
  const patch = newest.locator('details');
  await expect(patch.locator('pre')).toBeHidden();
  await patch.locator('summary').click();
  await expect(patch.locator('pre')).toContainText('"/layout/widgets/0/title"');

  await filters.getByLabel('Action').selectOption('page.create_published');
  await filters.getByRole('button', { name: 'Filter' }).click();
  await expect(page.getByTestId('audit-summary')).toHaveText('1 change');
  await expect(page.locator('.audit-table tbody tr')).toContainText('created and published the page');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^audit-\d{8}-\d{6}\.csv$/);
});

test('dates that cannot be read are named, and a viewer cannot open the audit trail', async ({ page }) => {
  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/admin/);
  await page.goto('/admin/audit?from=2000-01-01&to=2000-01-31');
  await expect(page.getByTestId('audit-summary')).toHaveText('No changes match these filters.');
  await expect(page.locator('.audit-table')).toHaveCount(0);
  await page.goto('/admin/audit?from=yesterday');
  await expect(page.getByRole('alert')).toContainText('use a date such as 2026-12-01');

  await page.context().clearCookies();
  await signIn(page, VIEWER);
  await expect(page).toHaveURL(/\/portal/);
  await page.goto('/admin/audit');
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Access denied');
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' })).toHaveCount(0);
});
