/**
 * `proclab rush --store <url>`: the rush on a shared server instead of db.json — a student's
 * buyers joining the class rush on the teacher's server, or a rush of one's own.
 *   --name alice    the buyers are alice/0, alice/1…: the teacher's tally counts per name
 *   --tickets N     put N tickets on sale first (a fresh sale); without it, wait for the teacher to
 *                   open one (the buyers are ready first, then all rush the moment it opens)
 * Every flag is checked, and the URL parsed, before anything connects. The password in a URL is
 * never printed.
 */
import * as os from "node:os";
import { tr } from "../core/lang";
import { quoteInput } from "../core/text";
import { StoreUrlError, parseStoreUrl, describeAddress, type StoreAddress } from "../distributed/address";
import { classTally, classTallyText, openClassRush } from "../distributed/class-rush";
import { openCounter } from "../distributed/connect";
import { runStoreRush } from "../distributed/rush";
import { storeStrategy, strategiesOf } from "../distributed/strategies";
import { flagHelp, parseCommandLine, UsageError, type FlagSpecs } from "./args";

export const storeFlags = {
  store: {
    type: "string",
    help: "rush on a server instead of db.json: postgres://user:password@host:port/db, redis://…, etcd://host:port,…",
  },
  strategy: {
    type: "string",
    help: "with --store: postgres naive|atomic|for-update|advisory|serializable, redis naive|lua|watch|lease|lease-fenced, etcd lock|lock-fenced (default naive, or lock for etcd)",
  },
  buyers: { type: "integer", help: "with --store: buyer processes (default 4)" },
  name: { type: "string", help: "with --store: who is buying, in the class tally (default your user name)" },
  tickets: {
    type: "integer",
    help: "with --store: open a fresh sale of this many tickets first (default: wait for the teacher to open one)",
  },
  wait: { type: "number", help: "with --store: seconds to wait for the sale to open (default 120)" },
  think: { type: "number", help: "with --store: ms between a buyer's read and its write (default 1)" },
  namespace: { type: "string", help: "with --store: prefix of the tables and keys (default proclab)" },
  json: { type: "boolean", help: "print one JSON object on stdout" },
  help: { type: "boolean", help: "show this help" },
} as const satisfies FlagSpecs;

export const storeUsage = `usage: proclab rush --store <url> [flags]\n\nJoins (or opens) a ticket rush on a shared server: every buyer is a process here, and they share nothing but the server.\n\n${flagHelp(storeFlags)}`;

/** The flags of the db.json rush that mean nothing on a server. */
const fileOnly = ["db", "schedule", "record", "replay", "echo", "work", "write-ms", "seed", "trials"];

export async function storeRush(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help")) {
    console.log(storeUsage);
    return 0;
  }
  for (const arg of argv) {
    const flag = /^--([a-z-]+)/.exec(arg)?.[1];
    if (flag && fileOnly.includes(flag))
      throw new UsageError(
        tr(
          `--${flag} is for the db.json rush; it does not apply with --store`,
          `--${flag} 只用于 db.json 上的抢票；与 --store 一起使用时无效`,
        ),
      );
  }
  const { values, positionals } = parseCommandLine(argv, storeFlags);
  if (positionals.length > 0)
    throw new UsageError(
      tr(
        `unexpected argument ${quoteInput(positionals[0])}; rush takes only flags`,
        `多余的参数 ${quoteInput(positionals[0])}；rush 只接受选项`,
      ),
    );
  let address: StoreAddress;
  try {
    address = parseStoreUrl(values.store ?? "");
  } catch (error) {
    if (!(error instanceof StoreUrlError)) throw error;
    console.error(`proclab rush: ${error.message}`);
    return 2;
  }
  const strategyName = values.strategy ?? (address.engine === "etcd" ? "lock" : "naive");
  try {
    storeStrategy(address.engine, strategyName);
  } catch {
    const offered = strategiesOf(address.engine)
      .map((s) => s.name)
      .join(", ");
    throw new UsageError(
      tr(
        `--strategy ${quoteInput(strategyName)}: ${address.engine} offers ${offered}`,
        `--strategy ${quoteInput(strategyName)}：${address.engine} 提供的策略有 ${offered}`,
      ),
    );
  }
  const name = values.name ?? os.userInfo().username;
  if (!/^[A-Za-z0-9_.-]{1,32}$/.test(name))
    throw new UsageError(
      tr(
        `--name ${quoteInput(name)}: use 1 to 32 letters, digits, ., _ or -`,
        `--name ${quoteInput(name)}：请使用 1 到 32 个字母、数字、.、_ 或 -`,
      ),
    );
  const buyers = values.buyers ?? 4;
  if (!Number.isInteger(buyers) || buyers < 1 || buyers > 64)
    throw new UsageError(tr(`--buyers must be from 1 to 64, got ${buyers}`, `--buyers 应在 1 到 64 之间，实际为 ${buyers}`));
  if (values.tickets !== undefined && !(Number.isInteger(values.tickets) && values.tickets >= 1))
    throw new UsageError(
      tr(`--tickets must be a positive integer, got ${values.tickets}`, `--tickets 应为正整数，实际为 ${values.tickets}`),
    );
  const thinkMs = values.think ?? 1;
  if (!(thinkMs >= 0 && thinkMs <= 10_000))
    throw new UsageError(tr(`--think must be from 0 to 10000 ms, got ${thinkMs}`, `--think 应在 0 到 10000 ms 之间，实际为 ${thinkMs}`));
  if (values.wait !== undefined && !(values.wait > 0 && values.wait <= 3600))
    throw new UsageError(tr(`--wait must be from 0 to 3600 s, got ${values.wait}`, `--wait 应在 0 到 3600 s 之间，实际为 ${values.wait}`));
  const namespace = values.namespace ?? "proclab";

  const where = describeAddress(address);
  try {
    if (values.tickets !== undefined) await openClassRush(address, { tickets: values.tickets, namespace });
    const waitS = values.wait ?? 120;
    // One connection, asked every 50 ms: thirty students waiting must not flood the teacher's server.
    const untilOpen = async (): Promise<void> => {
      const deadline = Date.now() + waitS * 1000;
      const counter = await openCounter(address, namespace);
      try {
        let said = false;
        for (;;) {
          const left = await counter.remaining();
          if (left !== null && left > 0) return;
          if (Date.now() > deadline)
            throw new Error(
              left === 0
                ? tr(
                    `the sale on ${where} stayed sold out for ${waitS} s (the teacher opens a new one, or pass --tickets N)`,
                    `${where} 上的票在 ${waitS} s 内一直是售罄状态（等老师开启新一轮售票，或者加上 --tickets N 自己开一轮）`,
                  )
                : tr(
                    `no sale opened on ${where} within ${waitS} s (the teacher opens one, or pass --tickets N)`,
                    `${waitS} s 内 ${where} 上没有开始售票（等老师开启一轮售票，或者加上 --tickets N 自己开一轮）`,
                  ),
            );
          if (!said) console.error(`proclab rush: ${buyers} buyer(s) ready; waiting for the sale to open on ${where} (Ctrl-C to stop)`);
          said = true;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        await counter.close();
      }
    };
    const result = await runStoreRush({
      store: address,
      strategy: strategyName,
      buyers,
      trials: 1,
      thinkMs,
      record: true,
      who: name,
      namespace,
      reset: false,
      startWhen: untilOpen,
    });
    const trial = result.trials[0];
    const tally = await classTally(address, { namespace });
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({
          store: where,
          strategy: result.label,
          name,
          buyers,
          bought: trial.sold,
          perBuyer: trial.buyers.map((b) => ({ buyer: b.name, bought: b.sales, retries: b.retries, rejected: b.rejected })),
          p50Ms: result.summary.p50Ms,
          p99Ms: result.summary.p99Ms,
          errors: trial.errors,
          tally,
        })}\n`,
      );
    } else {
      console.log(`${name}: ${buyers} buyer(s), ${result.label} on ${where}: bought ${trial.sold} ticket(s)`);
      for (const error of trial.errors) console.log(`  ${error}`);
      console.log(classTallyText(tally));
    }
    return trial.errors.length > 0 ? 1 : 0;
  } catch (error) {
    console.error(`proclab rush: ${(error as Error).message}`);
    return 1;
  }
}
