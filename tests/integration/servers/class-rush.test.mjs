// The class rush: students' buyers on other "hosts" rush one teacher's PostgreSQL over TCP,
// with `proclab rush --store <url>`, and the teacher's tally sees who bought and that the
// naive strategy oversold. The hosts are network namespaces this test makes (root, Linux, iproute2):
// each has its own network stack and reaches the server only through its own veth link. Where
// that is impossible, the students are processes that share nothing but the server's address.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { startClassServer, openClassRush, classTally } from "proclab/distributed";
import { needs } from "./engines.mjs";

const pg = needs("postgres");
const cli = path.join(path.dirname(fileURLToPath(import.meta.resolve("proclab"))), "cli.js");
const students = ["ana", "bo", "chen"];
const tag = `pl${process.pid % 10000}`;
const made = [];

/** Network namespaces for the students, each linked to this host by a veth pair; null when they cannot be made. */
function makeHosts() {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return null;
  const ip = (...args) => spawnSync("ip", args, { encoding: "utf8" });
  if (ip("netns", "list").status !== 0) return null;
  const hosts = [];
  for (const [i, student] of students.entries()) {
    const ns = `${tag}-${student}`;
    const [outer, inner] = [`${tag}o${i}`, `${tag}i${i}`];
    const steps = [
      ["netns", "add", ns],
      ["link", "add", outer, "type", "veth", "peer", "name", inner],
      ["link", "set", inner, "netns", ns],
      ["addr", "add", `10.231.${i + 1}.1/24`, "dev", outer],
      ["link", "set", outer, "up"],
      ["-n", ns, "addr", "add", `10.231.${i + 1}.2/24`, "dev", inner],
      ["-n", ns, "link", "set", inner, "up"],
      ["-n", ns, "link", "set", "lo", "up"],
    ];
    made.push(ns);
    for (const step of steps) {
      const result = ip(...step);
      if (result.status !== 0) throw new Error(`ip ${step.join(" ")}: ${result.stderr.trim()}`);
    }
    hosts.push({ student, ns, server: `10.231.${i + 1}.1` });
  }
  return hosts;
}

after(() => {
  for (const ns of made) spawnSync("ip", ["netns", "del", ns]);
});

/** Runs a student's `proclab rush --store`; resolves with its exit code and output once it says it is ready. */
function student(name, url, ns) {
  const argv = [cli, "rush", "--store", url, "--name", name, "--buyers", "3", "--strategy", "naive", "--json", "--wait", "60"];
  const child = ns ? spawn("ip", ["netns", "exec", ns, process.execPath, ...argv]) : spawn(process.execPath, argv);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  const ready = new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      if (stderr.includes("waiting for the sale to open")) resolve();
    });
    child.on("exit", () => reject(new Error(`${name} ended before it was ready: ${stderr}`)));
  });
  const done = new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
  return { ready, done };
}

test("students on three hosts rush one teacher's PostgreSQL: the tally names each, and read-then-write oversold", pg, async () => {
  const hosts = makeHosts();
  const server = await startClassServer({ listen: "0.0.0.0", advertise: "127.0.0.1" });
  try {
    const port = new URL(server.url).port;
    const urlFor = (address) => server.url.replace(/@[^/]+\//, `@${address}:${port}/`);
    if (hosts) {
      // Each host reaches the server only over its veth link: not by the loopback address.
      const probe = spawnSync("ip", [
        "netns",
        "exec",
        hosts[0].ns,
        process.execPath,
        "-e",
        `require("net").connect(${port}, "127.0.0.1").on("error", () => process.exit(7)).on("connect", () => process.exit(0))`,
      ]);
      assert.equal(probe.status, 7, "a student host must not see the teacher's loopback");
    } else {
      console.log("# no network namespaces here (not root, or no iproute2): students are processes sharing only the address");
    }
    const runs = students.map((name, i) => student(name, urlFor(hosts ? hosts[i].server : "127.0.0.1"), hosts?.[i].ns));
    await Promise.all(runs.map((r) => r.ready)); // every student's buyers are up and waiting
    await openClassRush(server.teacher, { tickets: 30 });
    const results = await Promise.all(runs.map((r) => r.done));
    for (const [i, r] of results.entries()) assert.equal(r.code, 0, `${students[i]}: ${r.stderr}`);
    const reports = results.map((r) => JSON.parse(r.stdout));
    const tally = await classTally(server.teacher);
    assert.equal(tally.tickets, 30);
    assert.equal(tally.left, 0);
    assert.deepEqual(
      tally.students.map((s) => s.student),
      students.filter((name, i) => reports[i].bought > 0),
    );
    assert.equal(
      tally.sold,
      reports.reduce((n, r) => n + r.bought, 0),
      "the tally counts what buyers were told",
    );
    assert.ok(tally.oversold > 0, `naive read-then-write over the network oversold (sold ${tally.sold} of 30)`);
    for (const report of reports) assert.ok(!JSON.stringify(report).includes(new URL(server.url).password), "no password in a report");
  } finally {
    await server.stop();
  }
});

test("the class server needs a password over TCP; the class's role can buy and nothing more", pg, async () => {
  const server = await startClassServer({ advertise: "127.0.0.1" });
  try {
    const { Client } = await import("pg");
    const student = new Client({ connectionString: server.url });
    await student.connect();
    for (const attack of [
      "ALTER DATABASE proclab SET default_transaction_read_only = on",
      "DROP TABLE proclab_sales",
      "TRUNCATE proclab_sales",
      "CREATE TABLE mine (x int)",
      "DELETE FROM proclab_sales",
    ])
      await assert.rejects(student.query(attack), /must be owner|permission denied/, attack);
    await student.end();
    const reset = spawnSync(process.execPath, [cli, "rush", "--store", server.url, "--tickets", "3"], { encoding: "utf8" });
    assert.equal(reset.status, 1, "a student cannot open a sale for the class");
    assert.match(reset.stderr, /permission denied/);
    const wrong = server.url.replace(/:([^:@/]+)@/, ":wrong-password@");
    const result = spawnSync(process.execPath, [cli, "rush", "--store", wrong, "--tickets", "3"], { encoding: "utf8" });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /could not connect to PostgreSQL proclab_class@127\.0\.0\.1:\d+\/proclab: password authentication failed/);
    assert.ok(!result.stderr.includes("wrong-password"));
  } finally {
    await server.stop();
  }
});
