import { APIRequestContext } from '@playwright/test';
import { ADMIN, adminHeaders, expect, signIn, test, unique } from './helpers';

/** A viewer made over the users API. */
async function newViewer(request: APIRequestContext, headers: Record<string, string>, name: string) {
  const email = `${name.toLowerCase().replace(/\W+/g, '-')}-${unique()}@example.com`;
  const created = await request.post('/api/users', {
    headers,
    data: { email, display_name: name, role: 'viewer', password: 'Person123!' },
  });
  expect(created.status(), await created.text()).toBe(201);
  return { email, password: 'Person123!', id: (await created.json()).user.id as number };
}

test('an admin shares a page with one person on its access screen; everyone else stops seeing it', async ({ page, browser, request, javaScriptEnabled }) => {
  const headers = await adminHeaders(request);
  const slug = `payroll-${unique()}`;
  const created = await request.post('/api/pages', {
    headers,
    data: {
      slug, title: 'Payroll run', publish: true,
      definition: {
        schema_version: 1,
        layout: { widgets: [{ id: 'note', type: 'text', props: { text: 'Payroll closes on the 25th' }, position: { desktop: { x: 0, y: 0, w: 6, h: 2 } } }] },
      },
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const id = (await created.json()).id as number;
  const payroll = await newViewer(request, headers, 'Payroll clerk');
  const other = await newViewer(request, headers, 'Someone else');

  await signIn(page, ADMIN);
  await page.goto(`/admin/pages/${id}/access`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Who may use Payroll run');
  await expect(page.getByTestId('grants-heading')).toHaveText('Grants: none, the roles decide');
  await page.getByTestId('add-grantee').selectOption({ label: `Payroll clerk (${payroll.email})` });
  // More than a viewer's role allows: the screen says what the grant really gives.
  await page.getByTestId('add-right').selectOption({ label: 'Edit and publish' });
  await page.getByTestId('save-access').click();
  await expect(page).toHaveURL(/outcome=saved/);
  await expect(page.getByTestId('access-outcome')).toContainText('Saved');
  const row = page.locator(`[data-testid="grant-row"][data-grantee="user:${payroll.id}"]`);
  await expect(row).toContainText('Payroll clerk');
  await expect(row).toContainText('allows no more than “View”');
  await expect(page.getByTestId('grants-heading')).toHaveText('Grants (1)');

  // The named person sees the page; someone else does not, not even in the portal.
  for (const [who, sees] of [[payroll, true], [other, false]] as const) {
    const context = await browser.newContext({ javaScriptEnabled });
    const viewer = await context.newPage();
    await signIn(viewer, who);
    await expect(viewer).toHaveURL(/\/portal/);
    await expect(viewer.locator(`main a[href="/p/${slug}"]`)).toHaveCount(sees ? 1 : 0);
    await viewer.goto(`/p/${slug}`);
    if (sees) {
      await expect(viewer.locator('main')).toContainText('Payroll closes on the 25th');
    } else {
      await expect(viewer.getByRole('heading', { level: 1 })).toHaveText('Not found');
      await expect(viewer.locator('main')).not.toContainText('Payroll closes');
    }
    await context.close();
  }

  // The audit trail says who may use it, in words.
  await page.goto(`/admin/audit?resource_type=page&resource_id=${id}&action=page.access`);
  await expect(page.locator('main')).toContainText('changed who may use the page');
  await expect(page.locator('main')).toContainText('Payroll clerk');

  // Removing the last grant gives the page back to the roles.
  await page.goto(`/admin/pages/${id}/access`);
  await row.getByRole('combobox').selectOption('none');
  await page.getByTestId('save-access').click();
  await expect(page.getByTestId('access-outcome')).toContainText('Saved');
  await expect(page.getByTestId('grants-heading')).toHaveText('Grants: none, the roles decide');
  const check = await request.post('/api/auth/login', { data: other });
  const otherHeaders = { authorization: `Bearer ${(await check.json()).access_token}` };
  const listedFor = async () => JSON.stringify(await (await request.get('/api/pages', { headers: otherHeaders })).json());
  expect(await listedFor()).toContain(slug);

  // The grants' history compares the two sets in words; reverting brings the grant back.
  await page.getByTestId('access-history').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Who could use Payroll run, over time');
  await expect(page.locator('main')).toContainText('Payroll clerk');
  await page.getByRole('button', { name: 'Revert to version 1' }).click();
  await expect(page.getByTestId('history-outcome')).toContainText('Reverted to version 1');
  await expect(page.locator('main')).toContainText('reverted to version 1');
  expect(await listedFor()).not.toContain(slug);
});

test('a tool shared with one editor for use is not offered to other editors', async ({ page, request }) => {
  const headers = await adminHeaders(request);
  const slug = `status-${unique()}`;
  const created = await request.post('/api/tools', {
    headers,
    data: { slug, name: `Status ${slug}`, kind: 'rest', base_url: '/mock/statuspage', auth: { type: 'none' }, config: {} },
  });
  expect(created.status(), await created.text()).toBe(201);
  const tool = await created.json();
  const editorEmail = `editor-${unique()}@example.com`;
  const editor = await request.post('/api/users', {
    headers,
    data: { email: editorEmail, display_name: 'Chosen editor', role: 'editor', password: 'Person123!' },
  });
  expect(editor.status(), await editor.text()).toBe(201);

  await signIn(page, ADMIN);
  await page.goto(`/admin/tools/${tool.id}/access`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Who may use Status ${slug}`);
  await page.getByTestId('add-grantee').selectOption({ label: `Chosen editor (${editorEmail})` });
  await page.getByTestId('add-right').selectOption({ label: 'Use in pages' });
  await page.getByTestId('save-access').click();
  await expect(page.getByTestId('access-outcome')).toContainText('Saved');

  // Another editor's page may not bring the tool in: 422 naming it.
  const otherEmail = `editor-${unique()}@example.com`;
  const otherMade = await request.post('/api/users', {
    headers,
    data: { email: otherEmail, display_name: 'Other editor', role: 'editor', password: 'Person123!' },
  });
  expect(otherMade.status(), await otherMade.text()).toBe(201);
  const login = await request.post('/api/auth/login', { data: { email: otherEmail, password: 'Person123!' } });
  const otherHeaders = { authorization: `Bearer ${(await login.json()).access_token}` };
  const refused = await request.post('/api/pages', {
    headers: otherHeaders,
    data: {
      slug: `uses-${slug}`, title: 'Uses the status tool',
      definition: { schema_version: 1, layout: { widgets: [{
        id: 'up', type: 'kpi', props: { label: 'Up' }, position: { desktop: { x: 0, y: 0, w: 3, h: 2 } },
        binding: { tool: slug, request: { path: '/' }, mapping: { value: 'length(@)' } },
      }] } },
    },
  });
  expect(refused.status()).toBe(422);
  expect(await refused.text()).toContain(`“${slug}”`);
});
