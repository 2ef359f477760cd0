import { APIRequestContext } from '@playwright/test';
import { ADMIN, expect, signIn, test, unique } from './helpers';

async function adminHeaders(request: APIRequestContext) {
  const login = await request.post('/api/auth/login', { data: ADMIN });
  return { authorization: `Bearer ${(await login.json()).access_token}` };
}

/** A viewer in `department`, created and given the attribute through the users API. */
async function viewerIn(request: APIRequestContext, headers: Record<string, string>, department: string) {
  const email = `${department.toLowerCase()}-${unique()}@example.com`;
  const created = await request.post('/api/users', {
    headers,
    data: { email, display_name: `${department} person`, role: 'viewer', password: 'Person123!' },
  });
  expect(created.status(), await created.text()).toBe(201);
  const user = (await created.json()).user;
  const updated = await request.put(`/api/users/${user.id}`, {
    headers,
    data: { display_name: user.display_name, role: 'viewer', attributes: { department }, version: user.version },
  });
  expect(updated.status(), await updated.text()).toBe(200);
  return { email, password: 'Person123!' };
}

test('a Finance-only page is invisible to someone in HR and shown to someone in Finance', async ({ page, browser, request, javaScriptEnabled }) => {
  const headers = await adminHeaders(request);
  const slug = `finance-${unique()}`;
  const created = await request.post('/api/pages', {
    headers,
    data: {
      slug, title: 'Finance close', publish: true,
      definition: {
        schema_version: 1, access: "department == 'Finance'",
        layout: { widgets: [{ id: 'note', type: 'text', props: { text: 'Month-end close status' }, position: { desktop: { x: 0, y: 0, w: 6, h: 2 } } }] },
      },
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const hr = await viewerIn(request, headers, 'HR');
  const finance = await viewerIn(request, headers, 'Finance');

  await signIn(page, hr);
  await expect(page).toHaveURL(/\/portal/);
  await expect(page.locator(`main a[href="/p/${slug}"]`)).toHaveCount(0);
  await page.goto(`/p/${slug}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Not found');
  await expect(page.locator('main')).not.toContainText('Month-end close status');

  const other = await browser.newContext({ javaScriptEnabled });
  const financePage = await other.newPage();
  await signIn(financePage, finance);
  await expect(financePage).toHaveURL(/\/portal/);
  await expect(financePage.locator(`main a[href="/p/${slug}"]`).first()).toBeVisible();
  await financePage.goto(`/p/${slug}`);
  await expect(financePage.locator('main')).toContainText('Month-end close status');
  await other.close();
});
