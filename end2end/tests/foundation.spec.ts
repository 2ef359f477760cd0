import { createHmac } from 'node:crypto';
import { ADMIN, VIEWER, expect, expectedDashboard, signIn, test, waitForHydration } from './helpers';

test('admin signs in and lands on the admin home', async ({ page }) => {
  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/admin$/);
  await expect(page.getByRole('heading', { name: 'Admin home' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Platform Overview' })).toBeVisible();
  await expect(page.getByTestId('current-user')).toContainText('Ada Admin');
});

test('a wrong password shows an error and stays on sign-in', async ({ page }) => {
  await signIn(page, { email: VIEWER.email, password: 'not-it' });
  await expect(page).toHaveURL(/\/login\?error=invalid/);
  await expect(page.getByRole('alert')).toHaveText('Invalid email or password.');
});

test('viewer sees the Platform Overview with the numbers and tickets of the demo tools', async ({ page, request }) => {
  const expected = await expectedDashboard(request);
  await signIn(page, VIEWER);
  await expect(page).toHaveURL(/\/portal$/);
  await page.getByRole('link', { name: 'Platform Overview' }).click();
  await expect(page).toHaveURL(/\/p\/platform-overview$/);
  await expect(page.getByRole('heading', { name: 'Platform Overview', level: 1 })).toBeVisible();

  await expect(page.locator('[data-widget-id="job-successes"] [data-testid="kpi-value"]')).toHaveText(String(expected.succeeded));
  await expect(page.locator('[data-widget-id="job-failures"] [data-testid="kpi-value"]')).toHaveText(String(expected.failed));

  const table = page.locator('[data-widget-id="tickets"] table');
  await expect(table.locator('thead th')).toHaveText(['ID', 'Priority', 'State', 'Assigned to']);
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(expected.tickets.length);
  for (const [index, cells] of expected.tickets.entries()) {
    await expect(rows.nth(index).locator('td')).toHaveText(cells);
  }

  const chart = page.locator('[data-widget-id="run-durations"] svg');
  await expect(chart.locator('polyline')).toHaveCount(1);
  await expect(chart.locator('circle')).toHaveCount(25);
});

test('signed-out visitors are sent to sign in and come back to the page they asked for', async ({ page }) => {
  await page.goto('/p/platform-overview');
  await expect(page).toHaveURL(/\/login\?next=\/p\/platform-overview$/);
  await page.getByLabel('Email').fill(VIEWER.email);
  await page.getByLabel('Password').fill(VIEWER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/p\/platform-overview$/);
  await expect(page.locator('[data-widget-id="tickets"] tbody tr').first()).toBeVisible();
});

test('viewer cannot open admin routes', async ({ page }) => {
  await signIn(page, VIEWER);
  await expect(page).toHaveURL(/\/portal$/);
  const response = await page.goto('/admin');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Access denied' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Admin', exact: true })).toHaveCount(0);
});

test('layout is 12 columns on desktop and stacked on mobile', async ({ page }) => {
  await signIn(page, VIEWER);
  await page.goto('/p/platform-overview');
  const box = async (id: string) => (await page.locator(`[data-widget-id="${id}"]`).boundingBox())!;

  await page.setViewportSize({ width: 1400, height: 900 });
  const [success, failure] = [await box('job-successes'), await box('job-failures')];
  expect(Math.abs(success.y - failure.y)).toBeLessThan(2);
  expect(failure.x).toBeGreaterThan(success.x + success.width - 1);

  await page.setViewportSize({ width: 390, height: 844 });
  const order = ['job-successes', 'job-failures', 'run-durations', 'tickets', 'footer'];
  const boxes = [];
  for (const id of order) boxes.push(await box(id));
  for (let i = 1; i < boxes.length; i++) {
    expect(Math.abs(boxes[i].x - boxes[0].x)).toBeLessThan(2);
    expect(boxes[i].y).toBeGreaterThanOrEqual(boxes[i - 1].y + boxes[i - 1].height - 1);
  }
});

test.describe('with JavaScript', () => {
  test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, 'needs hydration');

  test('Refresh reloads the data in place and updates "last updated"', async ({ page }) => {
    await signIn(page, VIEWER);
    await page.goto('/p/platform-overview');
    await waitForHydration(page, '.dashboard-grid');
    const stamp = page.getByTestId('last-updated');
    const before = await stamp.getAttribute('datetime');
    // A marker on window survives only if the page is not reloaded.
    await page.evaluate(() => ((window as any).__stillHere = true));
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(stamp).not.toHaveAttribute('datetime', before!);
    expect(await page.evaluate(() => (window as any).__stillHere)).toBe(true);
    await expect(page).toHaveURL(/\/p\/platform-overview$/);
  });

  test('a signed webhook from a tool refreshes an open dashboard without a reload', async ({ page, playwright, baseURL }) => {
    await signIn(page, VIEWER);
    await page.goto('/p/platform-overview');
    await waitForHydration(page, '.dashboard-grid');
    const stamp = page.getByTestId('last-updated');
    const before = await stamp.getAttribute('datetime');
    await page.evaluate(() => ((window as any).__stillHere = true));

    // The tool's side: an admin enables the webhook, then the tool posts a signed event.
    const admin = await playwright.request.newContext({ baseURL });
    await admin.post('/api/auth/login', { data: ADMIN });
    const tools = await (await admin.get('/api/tools')).json();
    const databricks = tools.tools.find((tool: any) => tool.slug === 'databricks-demo');
    const setup = await (await admin.post(`/api/tools/${databricks.id}/webhook`)).json();
    const body = JSON.stringify({ event: 'job_failed', run_id: 880007 });
    const signature = 'sha256=' + createHmac('sha256', setup.signing_secret).update(body).digest('hex');
    const hook = await admin.post(setup.url_path, { data: body, headers: { 'content-type': 'application/json', 'x-signature-256': signature } });
    expect(hook.status()).toBe(202);

    await expect(stamp).not.toHaveAttribute('datetime', before!);
    expect(await page.evaluate(() => (window as any).__stillHere)).toBe(true);
    await admin.dispose();
  });

  test('admin tests a tool connection and sees latency and a preview', async ({ page }) => {
    await signIn(page, ADMIN);
    await expect(page).toHaveURL(/\/admin$/);
    await waitForHydration(page, '#tools-panel');
    await page.getByRole('button', { name: 'Test connection to Databricks (demo)' }).click();
    const row = page.getByRole('row', { name: /Databricks \(demo\)/ });
    await expect(row.getByRole('status')).toContainText(/Databricks \(demo\) answered in \d+ ms\./);
    await expect(row.locator('pre')).toContainText('"runs"');
  });
});

test.describe('without JavaScript', () => {
  test.skip(({ javaScriptEnabled }) => javaScriptEnabled, 'checks the plain-HTML fallback');

  test('Refresh falls back to a plain reload that fetches fresh data', async ({ page }) => {
    await signIn(page, VIEWER);
    await page.goto('/p/platform-overview');
    const before = await page.getByTestId('last-updated').getAttribute('datetime');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(page).toHaveURL(/refresh=1/);
    await expect(page.getByTestId('last-updated')).not.toHaveAttribute('datetime', before!);
    await expect(page.locator('[data-widget-id="tickets"] tbody tr').first()).toBeVisible();
  });
});
