import { APIRequestContext, Page } from '@playwright/test';
import payloads from './xss-payloads.json';
import { select } from './builder-helpers';
import { ADMIN, VIEWER, expect, signIn, test, waitForHydration } from './helpers';

// Every payload sets window.__xss if it runs; each page carries 20 of them in every text a
// page author writes (titles, texts, markdown, HTML, code, buttons, links, images, KPIs,
// form labels and options) and shows the demo ServiceNow's incidents, whose descriptions
// are the payloads too. Without JavaScript nothing could run at all: the server-side test
// (server/tests/html.rs) checks that markup for the same payloads.
const PER_PAGE = 20;

function widgetsFor(n: number, payload: string, y: number) {
  const kinds = [
    { type: 'text', props: { text: payload } },
    { type: 'heading', props: { text: payload, level: 2 } },
    { type: 'markdown', props: { source: payload } },
    { type: 'html', props: { html: payload } },
    { type: 'code', props: { code: payload, language: 'sql' } },
    { type: 'card', props: { heading: payload, text: payload, tone: 'neutral' } },
    { type: 'button', props: { label: payload, action: { kind: 'refresh' }, tone: 'neutral' } },
    { type: 'link', props: { text: payload, url: 'https://learn.microsoft.com/' } },
    { type: 'image', props: { src: '/favicon.svg', alt: payload } },
    {
      type: 'form',
      props: {
        fields: [
          { name: 'choice', label: payload, kind: 'select', options: [payload, 'plain'] },
          { name: 'note', label: payload, kind: 'text' },
        ],
        submit_label: payload,
      },
    },
  ];
  return kinds.map((widget, index) => ({
    ...widget,
    id: `w${n}-${index}`,
    title: payload,
    position: { desktop: { x: (index % 2) * 6, y: y + index * 2, w: 6, h: 2 } },
  }));
}

const incidents = { path: '/api/now/table/incident', query: { sysparm_limit: '1000', sysparm_query: 'ORDERBYDESCnumber' } };
const toolData = [
  {
    id: 'incidents', type: 'table', title: 'Incidents',
    props: { columns: [{ key: 'summary', label: 'Summary' }] },
    position: { desktop: { x: 0, y: 0, w: 12, h: 4 } },
    binding: { tool: 'servicenow-demo', request: incidents, mapping: { rows: 'result[].{summary: short_description}' } },
  },
  {
    id: 'newest', type: 'kpi', title: 'Newest', props: { label: 'Newest incident' },
    position: { desktop: { x: 0, y: 4, w: 6, h: 2 } },
    binding: { tool: 'servicenow-demo', request: incidents, mapping: { value: 'result[0].short_description' } },
  },
];

async function publishPayloadPages(request: APIRequestContext) {
  const login = await request.post('/api/auth/login', { data: ADMIN });
  const token = (await login.json()).access_token as string;
  for (const payload of payloads) {
    const created = await request.post('/mock/servicenow/api/now/table/incident', { data: { short_description: payload } });
    expect(created.status()).toBe(201);
  }
  const stamp = Date.now().toString(36);
  const pages: { path: string; builder: string }[] = [];
  for (let start = 0; start < payloads.length; start += PER_PAGE) {
    const chunk = payloads.slice(start, start + PER_PAGE);
    const widgets = [...toolData, ...chunk.flatMap((payload, n) => widgetsFor(n, payload, 6 + n * 20))];
    const slug = `xss-${stamp}-${start}`;
    const response = await request.post('/api/pages', {
      headers: { authorization: `Bearer ${token}` },
      data: { slug, title: chunk[0], publish: true, definition: { schema_version: 1, layout: { widgets } } },
    });
    expect(response.status(), await response.text()).toBe(201);
    pages.push({ path: `/p/${slug}`, builder: `/builder/${(await response.json()).id}` });
  }
  return pages;
}

async function expectNothingRan(page: Page, where: string) {
  expect(await page.evaluate(() => (window as any).__xss), `a payload ran on ${where}`).toBeUndefined();
}

test('none of the payloads runs for a viewer or in the builder, from authors or from tools', async ({ page, browser, request, javaScriptEnabled }) => {
  test.skip(!javaScriptEnabled, 'without JavaScript no payload can run; server/tests/html.rs checks the markup');
  test.setTimeout(180_000);
  expect(payloads.length).toBeGreaterThanOrEqual(100);
  const pages = await publishPayloadPages(request);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss(); });

  await signIn(page, VIEWER);
  await expect(page).toHaveURL(/\/portal/);
  for (const { path } of pages) {
    await page.goto(path);
    await waitForHydration(page, '.dashboard-grid');
    await expect(page.locator('[data-widget-id="newest"]')).toContainText('window.__xss');
    await expectNothingRan(page, path);
  }

  const admin = await (await browser.newContext()).newPage();
  admin.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss(); });
  await signIn(admin, ADMIN);
  await expect(admin).toHaveURL(/\/admin/);
  for (const { builder } of pages) {
    await admin.goto(builder);
    await waitForHydration(admin, '#builder');
    // The property panel puts the form's labels and options into inputs.
    await select(admin, 'w0-9');
    await expectNothingRan(admin, builder);
  }
  expect(dialogs).toEqual([]);
});
