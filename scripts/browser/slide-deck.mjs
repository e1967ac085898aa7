// A lecture slide deck (scripts/slides.mjs) opened from disk: as many slides as the generator
// made, one shown at a time; its claims are the lines the executed notebook printed, with this
// run's numbers; a Chinese deck has a glyph for every character.
import { pathToFileURL } from "node:url";
import { chineseShown } from "./glyphs.mjs";

/** Returns { problems, screenshot }. `deck` is { file, slides } from makeSlides. */
export async function checkSlideDeck({ context, deck, executed, chinese, screenshotFile }) {
  const result = { problems: [], screenshot: screenshotFile };
  const page = await context.newPage();
  page.on("pageerror", (error) => result.problems.push(`page error: ${error.message.split("\n")[0]}`));
  try {
    await page.goto(`${pathToFileURL(deck.file).href}#2`);
    const seen = await page.evaluate(() => ({
      slides: document.querySelectorAll(".slide").length,
      shown: [...document.querySelectorAll(".slide")].filter((s) => s.offsetParent !== null).length,
      claims: [...document.querySelectorAll(".claims li")].map((li) => li.textContent),
    }));
    if (seen.slides !== deck.slides || deck.slides === 0)
      result.problems.push(`${seen.slides} slides on the page, the generator made ${deck.slides}`);
    if (seen.shown !== 1) result.problems.push(`${seen.shown} slides shown at once, expected 1`);
    const printed = seen.claims.filter((c) => /^(claim|断言) ✓ .+ — (here:|本次：)/.test(c));
    if (executed && seen.claims.length && printed.length === 0)
      result.problems.push("no claim shows the line the executed notebook printed");
    await page.screenshot({ path: screenshotFile });
    if (chinese) {
      await page.evaluate(() => document.querySelectorAll(".slide").forEach((s) => s.classList.add("on")));
      result.problems.push(...(await chineseShown(page)));
    }
  } catch (error) {
    result.problems.push(error.message.split("\n")[0]);
  } finally {
    await page.close();
  }
  return result;
}
