import { Page } from '@playwright/test';
import { ADMIN, expect, signIn, test, waitForHydration } from './helpers';

test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, 'the Tool Manager is interactive');

/** A 1×1 PNG. */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d49444154789c63f0777bfa1f0004dc027acc' +
    'ce058e0000000049454e44ae426082',
  'hex',
);

function unique(prefix: string) {
  return `${prefix} ${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
}

async function openToolManager(page: Page) {
  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tools', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/tools$/);
  await waitForHydration(page, '#tools-area');
}

function toolForm(page: Page) {
  return page.locator('section.tool-form-panel');
}

test('an admin adds a REST tool with an API key and a logo, tests, edits, finds and deletes it', async ({ page }) => {
  const name = unique('Incidents');
  await openToolManager(page);
  await page.getByRole('button', { name: 'Add tool' }).first().click();
  const form = toolForm(page);
  await expect(form.getByLabel('Name', { exact: true })).toBeFocused();
  await form.getByLabel('Name', { exact: true }).fill(name);
  await expect(form.getByLabel(/^Slug/)).toHaveValue(/^incidents-/);
  await form.getByLabel('Description').fill('ServiceNow incidents from the demo endpoints');
  await form.getByLabel(/^Logo/).setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
  await expect(form.getByTestId('logo-preview')).toBeVisible();
  await form.getByLabel('Base URL', { exact: true }).fill('/mock/servicenow');
  await form.getByLabel(/^Test path/).fill('/api/now/table/incident?sysparm_limit=1');
  await form.getByLabel('Authentication').selectOption('api_key');
  await form.getByLabel('Header name', { exact: true }).fill('X-API-Key');
  await form.getByLabel('API key', { exact: true }).fill('demo-key-123');
  await form.getByRole('button', { name: 'Add header' }).click();
  await form.getByLabel('Header 1 name').fill('X-Env');
  await form.getByLabel('Header 1 value').fill('e2e');
  await form.getByLabel(/^Timeout/).fill('10');
  await form.getByLabel('Data classification').selectOption('confidential');
  const sample = form.getByLabel(/^Sample response/);
  await sample.fill('{"result": [');
  await expect(form.getByTestId('sample-check')).toContainText('not valid JSON');
  await sample.fill(JSON.stringify({ result: [{ number: 'INC0010001', short_description: 'Disk full' }] }, null, 2));
  await expect(form.getByTestId('sample-check')).toHaveText('Valid JSON.');
  await form.getByRole('button', { name: 'Add tool' }).click();

  const note = page.locator('p.form-note');
  await expect(note).toContainText(`Saved "${name}"`);
  await expect(form).toHaveCount(0);
  const row = page.getByRole('row', { name: new RegExp(name) });
  const logo = row.getByRole('img', { name: `${name} logo` });
  await expect(logo).toBeVisible();
  await expect.poll(() => logo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
  await expect(row).toContainText('API key');
  await expect(row).toContainText('credentials stored (encrypted)');
  await expect(row).toContainText('Confidential');
  await expect(row.getByTestId('tool-status')).toHaveText('Not tested');
  await expect(row.getByTestId('last-tested')).toHaveText('never');

  await row.getByRole('button', { name: `Test connection to ${name}` }).click();
  await expect(row.getByRole('status')).toContainText(new RegExp(`${name} answered in \\d+ ms\\.`));
  await expect(row.locator('pre')).toContainText('"result"');
  await expect(row.getByTestId('tool-status')).toHaveText('OK');
  await expect(row.getByTestId('last-tested')).toHaveText('just now');

  await row.getByRole('button', { name: `Edit ${name}` }).click();
  await expect(form.getByLabel('Name', { exact: true })).toHaveValue(name);
  await expect(form.getByLabel('Header 1 name')).toHaveValue('X-Env');
  await expect(form.getByTestId('secret-state')).toContainText('stored (encrypted)');
  await expect(form.getByLabel(/^Sample response/)).toHaveValue(/INC0010001/);
  await form.getByLabel('Description').fill('Open incidents of the platform team');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await expect(note).toContainText(`Saved "${name}"`);
  await expect(row).toContainText('Open incidents of the platform team');
  // Editing the description does not change how the tool is reached: still OK.
  await expect(row.getByTestId('tool-status')).toHaveText('OK');
  await expect(row.getByTestId('last-tested')).toHaveText(/UTC$/);

  const search = page.getByLabel('Search tools');
  await search.fill(name.toUpperCase());
  await expect(page.locator('#tools-area tbody tr')).toHaveCount(1);
  await search.fill('databricks');
  await expect(page.getByRole('row', { name: /Databricks \(demo\)/ })).toBeVisible();
  await expect(row).toHaveCount(0);
  await search.fill('no-such-tool');
  await expect(page.getByText('No tools match "no-such-tool".')).toBeVisible();
  await search.fill('');
  await expect(row).toBeVisible();

  page.once('dialog', (dialog) => dialog.accept());
  await row.getByRole('button', { name: `Delete ${name}` }).click();
  await expect(note).toContainText(`Deleted "${name}"`);
  await expect(row).toHaveCount(0);
});

test('wrong logos and invalid fields are reported before anything is saved', async ({ page }) => {
  await openToolManager(page);
  await page.getByRole('button', { name: 'Add tool' }).first().click();
  const form = toolForm(page);
  const logo = form.getByLabel(/^Logo/);
  const logoError = form.locator('#logo-error');

  await logo.setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from('plain text, not an image') });
  await expect(logoError).toContainText('not a PNG, JPEG, SVG or WebP');
  await expect(form.getByTestId('logo-preview')).toHaveCount(0);
  await logo.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.concat([PNG, Buffer.alloc(300 * 1024)]) });
  await expect(logoError).toContainText('at most 256 KB');
  await logo.setInputFiles({
    name: 'badge.svg',
    mimeType: 'image/svg+xml',
    buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>'),
  });
  await expect(logoError).toContainText('event handler');
  await logo.setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG });
  await expect(logoError).toBeHidden();
  await expect(form.getByTestId('logo-preview')).toBeVisible();

  await form.getByLabel('Base URL', { exact: true }).fill('ftp://files.example.com');
  await form.getByLabel(/^Timeout/).fill('500');
  await form.getByRole('button', { name: 'Add header' }).click();
  await form.getByLabel('Header 1 name').fill('Authorization');
  await form.getByRole('button', { name: 'Add tool' }).click();
  await expect(form.getByRole('alert').first()).toContainText('problems to fix before saving');
  await expect(form.getByLabel('Name', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Base URL', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel(/^Timeout/)).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Header 1 name')).toHaveAttribute('aria-invalid', 'true');
  await expect(form).toContainText('choose an authentication type instead');

  await page.keyboard.press('Escape');
  await expect(form).toHaveCount(0);
});
