// Debian's Chromium (or $PROCLAB_CHROMIUM) driven by playwright-core: no browser download.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The Chromium to use, or null when this machine has none. */
export function findChromium(env = process.env) {
  if (env.PROCLAB_CHROMIUM) {
    if (!fs.existsSync(env.PROCLAB_CHROMIUM))
      throw new Error(`PROCLAB_CHROMIUM is ${env.PROCLAB_CHROMIUM}, which does not exist; expected the path of a Chromium executable`);
    return env.PROCLAB_CHROMIUM;
  }
  return CANDIDATES.find((file) => fs.existsSync(file)) ?? null;
}

/** Launches headless Chromium with a fresh profile; `close()` also removes the profile. */
export async function launchChromium(executablePath) {
  const { chromium } = await import("playwright-core");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "proclab-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
    // No sandbox (containers, root), no GPU, and no calls home while a test runs.
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
  });
  return {
    context,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
