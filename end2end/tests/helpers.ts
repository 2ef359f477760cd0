import { APIRequestContext, Page, test as base, expect } from '@playwright/test';

/**
 * Every test fails if the page throws or logs an error (hydration mismatches show up here).
 * Failed loads are left to the tests themselves: some check 403 and 404 pages on purpose.
 */
export const test = base.extend<{ browserErrors: string[] }>({
  browserErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
          errors.push(message.text());
        }
      });
      await use(errors);
      expect(errors, 'errors in the browser console').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

export const ADMIN = { email: 'admin@example.com', password: 'Admin123!' };
export const VIEWER = { email: 'viewer@example.com', password: 'Viewer123!' };

export async function signIn(page: Page, who: { email: string; password: string }, path = '/login') {
  await page.goto(path);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Waits until the WebAssembly has hydrated the page, so clicks reach their handlers. Content
 * inside Suspense hydrates after the shell and carries its own marker: pass its selector.
 */
export async function waitForHydration(page: Page, selector = '#app') {
  await expect(page.locator('#app')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.locator(selector)).toHaveAttribute('data-hydrated', 'true');
}

/** What the seeded dashboard should show, read from the demo tools themselves. */
export async function expectedDashboard(request: APIRequestContext) {
  const runs = await (await request.get('/mock/databricks/api/2.1/jobs/runs/list?limit=25')).json();
  const count = (state: string) => runs.runs.filter((run: any) => run.state.result_state === state).length;
  const tickets = await (
    await request.get('/mock/servicenow/api/now/table/incident?sysparm_limit=20&sysparm_offset=0&sysparm_display_value=true')
  ).json();
  return {
    succeeded: count('SUCCESS'),
    failed: count('FAILED'),
    tickets: tickets.result.map((ticket: any) => [
      ticket.number,
      ticket.priority,
      ticket.state,
      ticket.assigned_to.display_value,
    ]),
  };
}

/** An `Authorization` header of the seeded admin, for setting things up over the API. */
export async function adminHeaders(request: APIRequestContext) {
  const login = await request.post('/api/auth/login', { data: ADMIN });
  expect(login.status(), await login.text()).toBe(200);
  return { authorization: `Bearer ${(await login.json()).access_token}` };
}

/** A suffix that keeps names from colliding between tests sharing one server. */
export const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

const ticketsWidget = (title: string) => ({
  id: 'tickets', type: 'text', title, props: { text: 'open' },
  position: { desktop: { x: 0, y: 0, w: 4, h: 2 } },
});

/**
 * A page published with a widget "Tickets", then renamed "Open tickets" in its draft (as
 * the admin, over the API): the audit and history screens read this edit back in words.
 */
export async function renamedPage(request: APIRequestContext, prefix: string) {
  const headers = await adminHeaders(request);
  const slug = `${prefix}-${unique()}`;
  const created = await request.post('/api/pages', {
    headers,
    data: { slug, title: 'Service desk', publish: true, definition: { schema_version: 1, layout: { widgets: [ticketsWidget('Tickets')] } } },
  });
  expect(created.status(), await created.text()).toBe(201);
  const id = (await created.json()).id as number;
  const draft = await (await request.get(`/api/pages/${id}/draft`, { headers })).json();
  const saved = await request.put(`/api/pages/${id}/draft`, {
    headers,
    data: { base_revision: draft.revision, definition: { schema_version: 1, layout: { widgets: [ticketsWidget('Open tickets')] } } },
  });
  expect(saved.status(), await saved.text()).toBe(200);
  return { id, slug, headers, revision: (await saved.json()).revision as number };
}
