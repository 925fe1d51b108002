import { expect, test } from "@playwright/test";

// @playwright/test 1.64.1 speaks the DevTools protocol of Chromium 156 (its browsers.json).
// Debian's `chromium` package moves with security updates; when its major drifts, bump
// @playwright/test to the release pinned to that major (or pin the Debian package).
const PINNED_MAJOR = 156;

test("Debian's Chromium has the major Playwright 1.64.1 was built for", async ({ browser }) => {
  const version = browser.version();
  console.log(`chromium ${version}`);
  const major = Number(version.split(".")[0]);
  expect(
    major,
    `Chromium ${version} at ${process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"} does not match the ` +
      `major ${PINNED_MAJOR} pinned by @playwright/test 1.64.1: update the Playwright pin in ` +
      "web/package.json to the release whose browsers.json names this major.",
  ).toBe(PINNED_MAJOR);
});
