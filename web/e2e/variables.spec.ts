import path from "node:path";
import { expect, SCREENSHOTS, test } from "./fixtures";

const shot = (name: string) => path.join(SCREENSHOTS, `${name}.png`);

test("variables: create with live key and JSON checks, mask secrets, edit, filter, delete", async ({ page }) => {
  const suffix = Date.now().toString(36).toUpperCase();
  const plain = `E2E_API_URL_${suffix}`;
  const secret = `E2E_DB_PASSWORD_${suffix}`;

  await page.goto("/variables");
  await expect(page.getByRole("heading", { name: "Variables" })).toBeVisible();

  // Create a JSON value, with the checks live.
  await page.getByRole("button", { name: "New variable" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New variable" });
  const key = dialog.getByLabel("Key");
  await key.fill("x".repeat(257));
  await expect(dialog.getByText("At most 256 bytes; this key has 257.")).toBeVisible();
  await expect(key).toHaveAttribute("aria-invalid", "true");
  await key.fill(plain);
  await expect(key).toHaveAttribute("aria-invalid", "false");
  const value = dialog.getByLabel("Value (JSON)");
  await value.fill("hello");
  await expect(dialog.getByText(/Not valid JSON.*double quotes/)).toBeVisible();
  await value.fill('{"url": "https://example.test",\n "retries": 3,}');
  await expect(dialog.getByText(/Not valid JSON \(line 2.*trailing comma/)).toBeVisible();
  await value.fill('{"url": "https://example.test", "retries": 3}');
  await expect(dialog.getByText("Valid JSON (object).")).toBeVisible();
  await page.screenshot({ path: shot("variables-editor-light") });
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(page.getByText(`Created ${plain}`)).toBeVisible();
  const plainRow = page.getByRole("row").filter({ hasText: plain });
  // The server stores JSON with its keys sorted.
  await expect(plainRow).toContainText('{"retries":3,"url":"https://example.test"}');
  await expect(plainRow).toContainText("object");

  // A secret-looking key, as text: masked until revealed.
  await page.getByRole("button", { name: "New variable" }).first().click();
  await dialog.getByLabel("Key").fill(secret);
  await dialog.getByRole("radio", { name: "Text" }).click();
  await dialog.getByLabel("Value (text)").fill("s3cret-value");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(page.getByText(`Created ${secret}`)).toBeVisible();
  const secretRow = page.getByRole("row").filter({ hasText: secret });
  await expect(secretRow).toContainText("hidden");
  await expect(secretRow).not.toContainText("s3cret-value");
  const reveal = secretRow.getByRole("button", { name: `Reveal the value of ${secret}` });
  await reveal.click();
  await expect(secretRow).toContainText('"s3cret-value"');
  await secretRow.getByRole("button", { name: `Hide the value of ${secret}` }).click();
  await expect(secretRow).not.toContainText("s3cret-value");

  // The same key again is refused in place, not silently replaced.
  await page.getByRole("button", { name: "New variable" }).first().click();
  await dialog.getByLabel("Key").fill(plain);
  await dialog.getByLabel("Value (JSON)").fill("1");
  await dialog.getByRole("button", { name: "Create" }).click();
  await expect(dialog.getByRole("alert")).toContainText(`A variable named ${plain} already exists`);
  await dialog.getByRole("button", { name: "Cancel" }).click();

  // Edit: the secret's editor starts hidden.
  await secretRow.getByRole("button", { name: `Edit ${secret}` }).click();
  const edit = page.getByRole("dialog", { name: `Edit ${secret}` });
  await expect(edit.getByText("The value is hidden because the key looks secret.")).toBeVisible();
  await edit.getByRole("button", { name: "Reveal and edit" }).click();
  await expect(edit.getByLabel("Value (text)")).toHaveValue("s3cret-value");
  await edit.getByLabel("Value (text)").fill("rotated-value");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(`Saved ${secret}`)).toBeVisible();
  await expect(secretRow).toContainText("v2");

  // The prefix filter lives in the URL.
  await page.getByLabel("Filter variables by key prefix").fill(`E2E_DB_PASSWORD_${suffix}`);
  await expect(page).toHaveURL(new RegExp(`prefix=E2E_DB_PASSWORD_${suffix}`));
  await expect(plainRow).toHaveCount(0);
  await expect(secretRow).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Filter variables by key prefix")).toHaveValue(`E2E_DB_PASSWORD_${suffix}`);
  await page.getByRole("button", { name: "Clear", exact: true }).click();
  await expect(plainRow).toBeVisible();

  // Delete, with a confirmation that names the key.
  await plainRow.getByRole("button", { name: `Delete ${plain}` }).click();
  const confirm = page.getByRole("alertdialog", { name: `Delete ${plain}?` });
  await expect(confirm).toContainText(plain);
  await confirm.getByRole("button", { name: `Delete ${plain}` }).click();
  await expect(page.getByText(`Deleted ${plain}`)).toBeVisible();
  await expect(plainRow).toHaveCount(0);
  expect((await page.request.get(`/api/v1/variables/${plain}`)).status()).toBe(404);
  const stored = await (await page.request.get(`/api/v1/variables/${secret}`)).json();
  expect(stored.value).toBe("rotated-value");
});
