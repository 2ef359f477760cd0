import { APIRequestContext } from '@playwright/test';
import { ADMIN, VIEWER, expect, signIn, test } from './helpers';

const INCIDENTS = '/api/now/table/incident';

/** Publishes a page through the REST API and returns its address. */
async function publish(request: APIRequestContext, slug: string, widgets: unknown[]) {
  const login = await request.post('/api/auth/login', { data: ADMIN });
  const token = (await login.json()).access_token as string;
  const response = await request.post('/api/pages', {
    headers: { authorization: `Bearer ${token}` },
    data: { slug, title: 'Report an incident', publish: true, definition: { schema_version: 1, layout: { row_height: 80, widgets } } },
  });
  expect(response.status(), await response.text()).toBe(201);
  return `/p/${slug}`;
}

const incidentForm = {
  id: 'report',
  type: 'form',
  position: { desktop: { x: 0, y: 0, w: 4, h: 4 } },
  props: {
    fields: [
      { name: 'summary', label: 'Summary', kind: 'text', required: true },
      { name: 'urgency', label: 'Urgency', kind: 'select', options: ['1', '2', '3'] },
    ],
    submit_label: 'Report incident',
    submit: {
      tool: 'servicenow-demo',
      reference: 'result.number',
      request: {
        method: 'POST',
        path: INCIDENTS,
        body: { kind: 'json', template: { short_description: '{{summary}}', urgency: '{{urgency}}' } },
      },
    },
  },
};

const newestIncidents = {
  id: 'newest',
  type: 'table',
  position: { desktop: { x: 4, y: 1, w: 8, h: 4 } },
  props: { columns: [{ key: 'number', label: 'Number' }, { key: 'summary', label: 'Summary' }] },
  binding: {
    tool: 'servicenow-demo',
    request: { path: INCIDENTS, query: { sysparm_query: 'ORDERBYDESCnumber', sysparm_limit: '10' } },
    mapping: { rows: 'result[].{number: number, summary: short_description}' },
  },
};

const refreshBar = { id: 'refresh', type: 'refresh_bar', props: {}, position: { desktop: { x: 4, y: 0, w: 8, h: 1 } } };

test('a viewer reports an incident with a form and finds it in the incident list after Refresh', async ({ page, request, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'sending a form to a tool needs JavaScript');
  const path = await publish(request, `report-${Date.now().toString(36)}`, [incidentForm, refreshBar, newestIncidents]);
  await signIn(page, VIEWER, `/login?next=${encodeURIComponent(path)}`);
  await expect(page.locator('.dashboard-grid')).toHaveAttribute('data-hydrated', 'true');
  const form = page.locator('[data-widget-id="report"]');
  const status = form.getByRole('status');
  const submit = form.getByRole('button', { name: 'Report incident' });

  // Checked in the browser first: nothing is sent without the required summary.
  await submit.click();
  await expect(status).toHaveText('Please fill in: Summary');

  const summary = `Disk full on etl-shared ${Date.now().toString(36)}`;
  await form.getByLabel('Summary').fill(summary);
  await form.getByLabel('Urgency').selectOption('1');
  await submit.click();
  await expect(status).toHaveText(/^Submitted: INC\d{7}$/);
  await expect(submit).toBeEnabled();
  const number = (await status.textContent())!.replace('Submitted: ', '');
  // The form is cleared for the next report.
  await expect(form.getByLabel('Summary')).toHaveValue('');

  const table = page.locator('[data-widget-id="newest"]');
  await page.getByRole('button', { name: 'Refresh' }).click();
  const row = table.locator('tbody tr', { hasText: number });
  await expect(row).toContainText(summary);
});

test('a Submit button elsewhere on the page sends the form', async ({ page, request, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'sending a form to a tool needs JavaScript');
  const sendButton = {
    id: 'send', type: 'button', position: { desktop: { x: 4, y: 0, w: 2, h: 1 } },
    props: { label: 'Send report', action: { kind: 'submit_form', form: 'report' } },
  };
  const path = await publish(request, `report-button-${Date.now().toString(36)}`, [incidentForm, sendButton]);
  await signIn(page, VIEWER, `/login?next=${encodeURIComponent(path)}`);
  await expect(page.locator('.dashboard-grid')).toHaveAttribute('data-hydrated', 'true');
  const form = page.locator('[data-widget-id="report"]');
  await form.getByLabel('Summary').fill(`Queue backlog ${Date.now().toString(36)}`);
  await page.locator('[data-widget-id="send"]').getByRole('button', { name: 'Send report' }).click();
  await expect(form.getByRole('status')).toHaveText(/^Submitted: INC\d{7}$/);
});

test('without JavaScript a form posts to the server and the page says how it went', async ({ page, request, javaScriptEnabled }) => {
  test.skip(javaScriptEnabled, 'the JavaScript path is covered above');
  const path = await publish(request, `report-plain-${Date.now().toString(36)}`, [incidentForm, newestIncidents]);
  await signIn(page, VIEWER, `/login?next=${encodeURIComponent(path)}`);
  await expect(page).toHaveURL(new RegExp(`${path}$`));
  const form = page.locator('[data-widget-id="report"]');
  const status = form.getByRole('status');
  const submit = form.getByRole('button', { name: 'Report incident' });

  // The server checks the required summary and sends nothing without it.
  await submit.click();
  await expect(page).toHaveURL(/form=report&form_error=invalid#form-report$/);
  await expect(status).toContainText('check the required fields');

  const summary = `Printer on fire ${Date.now().toString(36)}`;
  await form.getByLabel('Summary').fill(summary);
  await form.getByLabel('Urgency').selectOption('2');
  await submit.click();
  await expect(page).toHaveURL(/form=report&submitted=INC\d{7}#form-report$/);
  await expect(status).toHaveText(/^Submitted: INC\d{7}$/);
  const number = (await status.textContent())!.replace('Submitted: ', '');
  // The page came back rendered with fresh data: the new incident is in the list.
  await expect(page.locator('[data-widget-id="newest"] tbody tr', { hasText: number })).toContainText(summary);

  // A crafted link cannot make the form say something else.
  await page.goto(`${path}?form=report&submitted=${encodeURIComponent('<b>Call 555-0100</b>')}`);
  await expect(status).toHaveText('Submitted.');
});
