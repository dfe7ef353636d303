import type { Page } from 'playwright-core';

/** A CSS selector for a `data-testid`. */
export const id = (testId: string) => `[data-testid="${testId}"]`;

/** Waits until the element's text satisfies `match` (a substring, or a regexp); returns the text. */
export async function waitForText(page: Page, testId: string, match: string | RegExp, timeout = 10_000): Promise<string> {
  const handle = await page.waitForFunction(
    ({ selector, source, flags, plain }) => {
      const text = document.querySelector(selector)?.textContent ?? '';
      const ok = plain !== null ? text.includes(plain) : new RegExp(source, flags).test(text);
      return ok ? text : false;
    },
    { selector: id(testId), source: match instanceof RegExp ? match.source : '', flags: match instanceof RegExp ? match.flags : '', plain: typeof match === 'string' ? match : null },
    { timeout },
  );
  return (await handle.jsonValue()) as string;
}
