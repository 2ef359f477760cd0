import { APIRequestContext } from '@playwright/test';
import { ADMIN, VIEWER, expect, renamedPage, signIn, test } from './helpers';

/** A page published as "Tickets", renamed "Open tickets" and published again: versions 1–3. */
async function republishedPage(request: APIRequestContext) {
  const { id, slug, headers, revision } = await renamedPage(request, 'history');
  const published = await request.post(`/api/pages/${id}/publish`, { headers, data: { base_revision: revision } });
  expect(published.status(), await published.text()).toBe(200);
  return { id, slug };
}

test('an admin compares two versions of a page in words and reverts; viewers see the old version', async ({ page, browser, request, javaScriptEnabled }) => {
  const { id, slug } = await republishedPage(request);
  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/admin/);
  await page.goto(`/admin/pages/${id}/history`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('History of Service desk');
  const versions = page.locator('.history-table tbody tr');
  await expect(versions).toHaveCount(3);
  await expect(versions.nth(0)).toContainText('Version 3');
  await expect(versions.nth(0)).toContainText('Live');
  await expect(versions.nth(0)).toContainText('published');
  await expect(versions.nth(1)).toContainText('draft saved');
  await expect(versions.nth(2)).toContainText('created and published');
  await expect(page.getByTestId('comparison')).toContainText('These versions are the same.');

  const compare = page.getByRole('form', { name: 'Compare versions' });
  await compare.getByLabel('From').selectOption('1');
  await compare.getByLabel('To').selectOption('3');
  await compare.getByRole('button', { name: 'Compare' }).click();
  await expect(page).toHaveURL(/from=1&to=3/);
  const comparison = page.getByTestId('comparison');
  await expect(comparison.getByRole('heading')).toHaveText('Version 1 → version 3');
  await expect(comparison.locator('.change-list li')).toHaveText(["Widget 'Open tickets' → title: 'Tickets' → 'Open tickets'"]);
  await comparison.locator('summary').click();
  await expect(comparison.locator('pre')).toContainText('"/layout/widgets/0/title"');

  await page.getByRole('button', { name: 'Revert to version 1' }).click();
  await expect(page.getByTestId('history-outcome')).toHaveText('Reverted to version 1, saved as a new version. Viewers see it now.');
  await expect(versions).toHaveCount(4);
  await expect(versions.nth(0)).toContainText('reverted to version 1');
  await expect(versions.nth(0)).toContainText('Live');

  const viewer = await browser.newContext({ javaScriptEnabled });
  const viewerPage = await viewer.newPage();
  await signIn(viewerPage, VIEWER, `/login?next=/p/${slug}`);
  await expect(viewerPage).toHaveURL(new RegExp(`/p/${slug}`));
  await expect(viewerPage.locator('main')).toContainText('Tickets');
  await expect(viewerPage.locator('main')).not.toContainText('Open tickets');
  await viewer.close();

  await page.goto(`/admin/audit?resource_type=page&resource_id=${id}&action=page.revert`);
  await expect(page.locator('.audit-table tbody tr').first()).toContainText('reverted the page');
});
