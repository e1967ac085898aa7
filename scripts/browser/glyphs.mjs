// Chinese text the page shows without a glyph. A character no installed font has is drawn as
// the same empty box (.notdef) as a code point that surely has none (U+10FFFD, private use);
// so each distinct Han character and CJK punctuation mark on the page is drawn on a canvas in
// the font its element uses and compared, pixel for pixel, with that box and with nothing.

/** Returns { checked: number of distinct characters drawn, missing: those drawn as a box or not at all }. */
export async function missingGlyphs(page, selector = "body") {
  return page.evaluate((selector) => {
    const seen = new Map(); // character -> CSS font of an element that shows it
    const walker = document.createTreeWalker(document.querySelector(selector) ?? document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const characters = node.textContent.match(/[\p{Script=Han}\u3000-\u303f\uff01-\uff5e]/gu);
      if (!characters || !node.parentElement) continue;
      const style = getComputedStyle(node.parentElement);
      for (const c of characters) if (!seen.has(c)) seen.set(c, `48px ${style.fontFamily}`);
    }
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 64;
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const draw = (character, font) => {
      context.clearRect(0, 0, 64, 64);
      context.font = font;
      context.fillText(character, 4, 52);
      return context.getImageData(0, 0, 64, 64).data.join(",");
    };
    const missing = [];
    const boxes = new Map(); // font -> [box, nothing]
    for (const [character, font] of seen) {
      if (!boxes.has(font)) boxes.set(font, [draw("\u{10FFFD}", font), draw("", font)]);
      const drawn = draw(character, font);
      if (boxes.get(font).includes(drawn) && character !== "\u3000") missing.push(character);
    }
    return { checked: seen.size, missing };
  }, selector);
}

/** Problems with the Chinese text of a page: fewer than `minimum` distinct characters, or any drawn without a glyph. */
export async function chineseShown(page, selector = "body", minimum = 50) {
  const { checked, missing } = await missingGlyphs(page, selector);
  if (checked < minimum) return [`the page shows only ${checked} distinct Chinese characters: is this the Chinese edition?`];
  return missing.length
    ? [`${missing.length} of ${checked} Chinese characters drawn without a glyph: ${missing.slice(0, 20).join(" ")}`]
    : [];
}
