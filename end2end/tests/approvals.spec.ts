import { APIRequestContext } from '@playwright/test';
import { expect, signIn, test, waitForHydration, unique } from './helpers';

/** The second seeded organization: turning approvals on there leaves other tests alone. */
const FINANCE_ADMIN = { email: 'admin@finance.example.com', password: 'Finance123!' };

async function bearer(request: APIRequestContext, who: { email: string; password: string }) {
  const login = await request.post('/api/auth/login', { data: who });
  expect(login.status(), await login.text()).toBe(200);
  return { authorization: `Bearer ${(await login.json()).access_token}` };
}

/** A second admin to decide, an editor to ask and a viewer, made through the users API. */
async function people(request: APIRequestContext) {
  const admin = await bearer(request, FINANCE_ADMIN);
  const id = unique();
  const make = async (role: string) => {
    const who = { email: `${role}-${id}@example.com`, password: 'Person123!' };
    const created = await request.post('/api/users', {
      headers: admin,
      data: { email: who.email, display_name: `${role} ${id}`, role, password: who.password },
    });
    expect(created.status(), await created.text()).toBe(201);
    return who;
  };
  return { id, editor: await make('editor'), approver: await make('admin'), viewer: await make('viewer') };
}

test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, 'requesting and deciding are interactive');

test('an editor asks for approval, another admin approves, viewers see it; a rejection shows its comment', async ({ page, browser, request }) => {
  const { id, editor, approver, viewer: reader } = await people(request);
  const admin = await bearer(request, FINANCE_ADMIN);
  const on = await request.put('/api/settings/publishing', { headers: admin, data: { require_approval: true } });
  expect(on.status()).toBe(200);
  try {
    const editorHeaders = await bearer(request, editor);
    const make = async (slug: string, text: string) => {
      const created = await request.post('/api/pages', {
        headers: editorHeaders,
        data: { slug, title: `Review ${slug}`, definition: { schema_version: 1, layout: { widgets: [
          { id: 't', type: 'text', props: { text }, position: { desktop: { x: 0, y: 0, w: 6, h: 2 } } }] } } },
      });
      expect(created.status(), await created.text()).toBe(201);
    };
    const approved = `approve-${id}`;
    const rejected = `reject-${id}`;
    await make(approved, 'Quarter close is on track');
    await make(rejected, 'Draft numbers');

    await signIn(page, editor);
    await expect(page).toHaveURL(/\/admin/);
    // In the builder the page asks for approval instead of publishing.
    const pageId = (await (await request.get(`/api/pages`, { headers: editorHeaders })).json()).pages
      .find((p: any) => p.slug === approved).id;
    await page.goto(`/builder/${pageId}`);
    await expect(page.getByRole('button', { name: 'Request approval' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Publish', exact: true })).toHaveCount(0);
    await page.goto('/admin/pages');
    await waitForHydration(page, '#pages-area');
    for (const slug of [approved, rejected]) {
      page.once('dialog', (dialog) => dialog.accept(`Please review ${slug}`));
      await page.getByRole('button', { name: `Request approval of Review ${slug}` }).click();
      await expect(page.locator('[role="status"].form-note')).toContainText('Approval requested');
      await expect(page.locator(`tr[data-page-slug="${slug}"]`)).toContainText('In review');
    }

    const other = await browser.newContext();
    const approverPage = await other.newPage();
    await signIn(approverPage, approver);
    await approverPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
    await waitForHydration(approverPage, '#approvals-area');
    const card = (slug: string) => approverPage.getByRole('article', { name: `Request for Review ${slug}` });
    await expect(card(approved)).toContainText(`Please review ${approved}`);
    await expect(card(approved).locator('.change-list li').first()).toBeVisible();
    await card(approved).getByRole('button', { name: 'Approve and publish' }).click();
    await expect(approverPage.getByTestId('approvals-notice')).toHaveText(`Approved and published "Review ${approved}".`);
    await card(rejected).getByRole('button', { name: 'Reject' }).click();
    await expect(approverPage.getByTestId('approvals-notice')).toContainText('say why');
    await card(rejected).getByLabel('Comment (required to reject)').fill('Numbers for Q4 are missing');
    await card(rejected).getByRole('button', { name: 'Reject' }).click();
    await expect(approverPage.getByTestId('approvals-notice')).toContainText(`Rejected "Review ${rejected}"`);
    await other.close();

    const viewer = await browser.newContext();
    const viewerPage = await viewer.newPage();
    await signIn(viewerPage, reader, `/login?next=/p/${approved}`);
    await expect(viewerPage.locator('main')).toContainText('Quarter close is on track');
    await viewer.close();

    await page.reload();
    await waitForHydration(page, '#pages-area');
    await expect(page.locator(`tr[data-page-slug="${approved}"]`).getByTestId('review-state')).toContainText('Approved by');
    await expect(page.locator(`tr[data-page-slug="${rejected}"]`).getByTestId('review-state')).toContainText('Numbers for Q4 are missing');
  } finally {
    await request.put('/api/settings/publishing', { headers: admin, data: { require_approval: false } });
  }
});
