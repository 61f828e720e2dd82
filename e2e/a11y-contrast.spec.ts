/**
 * Non-text contrast of the demo's form fields (WCAG 2.1 SC 1.4.11, which axe does not check): the
 * border (or underline) that shows where each visible text field or select is has a contrast of
 * 3:1 or more with the background behind the field, on the sign-in screen and in the signed-in
 * phone, chat and status views.
 */
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { DESKTOP, useDemoSite } from './demo-page';

const demo = useDemoSite();

/** Each visible field: its name, the contrast of its edge with what is behind it. */
function fieldEdges(page: Page): Promise<{ field: string; ratio: number }[]> {
  return page.evaluate(() => {
    const rgb = (css: string): [number, number, number, number] => {
      const m = /rgba?\(([\d.]+),? ([\d.]+),? ([\d.]+)(?:,? \/? ?([\d.]+))?\)/.exec(css);
      return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : [0, 0, 0, 0];
    };
    const luminance = ([r, g, b]: number[]): number => {
      const c = [r!, g!, b!].map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
    };
    /** The first opaque background at or above `node`. */
    const backdrop = (node: Element | null): number[] => {
      for (let n = node; n; n = n.parentElement) {
        const color = rgb(getComputedStyle(n).backgroundColor);
        if (color[3] === 1) return color;
      }
      return [255, 255, 255, 1];
    };
    const ratio = (a: number[], b: number[]): number => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return Math.round(((hi! + 0.05) / (lo! + 0.05)) * 100) / 100;
    };
    const fields = [...document.querySelectorAll<HTMLElement>('input:not([type=checkbox]):not([type=radio]):not([type=hidden]), select, textarea')];
    return fields
      .filter((f) => f.offsetParent !== null && f.getClientRects().length > 0)
      .map((f) => {
        // A field without its own border shows its edge with its container's (the dial pad's underline).
        const edged = [f, f.parentElement!].find((n) => ['Top', 'Bottom'].some((side) => parseFloat(getComputedStyle(n)[`border${side}Width` as 'borderTopWidth']) > 0)) ?? f;
        const style = getComputedStyle(edged);
        const side = parseFloat(style.borderTopWidth) > 0 ? 'borderTopColor' : 'borderBottomColor';
        return { field: f.id || f.getAttribute('aria-label') || f.tagName, ratio: ratio(rgb(style[side]), backdrop(edged.parentElement)) };
      });
  });
}

test('form fields show their edge at 3:1 or more (WCAG 1.4.11) on the sign-in screen and in the app', async ({ browser, sip }) => {
  const signInScreen = await demo.open(browser, sip, { viewport: DESKTOP });
  const before = await fieldEdges(signInScreen.page);
  expect(before.length).toBeGreaterThanOrEqual(3); // server, user, password at least
  expect(before.filter((f) => f.ratio < 3)).toEqual([]);

  const app = await demo.signIn(browser, sip, 'alice', { viewport: DESKTOP });
  const seen: { field: string; ratio: number }[] = [];
  for (const tab of ['Phone', 'Chat', 'Status']) {
    const button = app.page.getByRole('tab', { name: tab });
    if (await button.isVisible()) await button.click();
    seen.push(...(await fieldEdges(app.page)));
  }
  expect(seen.map((f) => f.field)).toContain('destination'); // the dial pad's number field was measured
  expect(seen.filter((f) => f.ratio < 3)).toEqual([]);
});
