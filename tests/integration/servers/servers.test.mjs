// lib/servers: private PostgreSQL, Redis and etcd start together, answer, and never outlive
// their owner — stopped, exited, killed with SIGKILL, or interrupted with SIGINT (a cell interrupt).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import Redis from "ioredis";
import { startServers, stopServers, EngineMissingError } from "proclab/servers";
import { needs } from "./engines.mjs";

const all = needs("postgres", "redis", "etcd");
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(what, condition, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await sleep(50);
  }
}

test("startServers starts PostgreSQL, Redis and a 3-member etcd together; each answers; a second call reuses them", all, async () => {
  const servers = await startServers({ postgres: true, redis: true, etcd: 3 });
  try {
    const pg = new Client(servers.postgres.connection);
    await pg.connect();
    assert.equal((await pg.query("SELECT 1 + 1 AS two")).rows[0].two, 2);
    await pg.end();
    const redis = new Redis({ path: servers.redis.socket });
    assert.equal(await redis.ping(), "PONG");
    redis.disconnect();
    assert.equal(servers.etcd.members.length, 3);
    const leader = await servers.etcd.leader();
    assert.ok(leader && servers.etcd.members.includes(leader), "the cluster has a leader");
    // No TCP listener for PostgreSQL or Redis: sockets in their own folders.
    assert.match(servers.postgres.connection.host, /proclab-server-/);
    assert.match(servers.redis.socket, /proclab-server-.*redis\.sock$/);
    const again = await startServers({ postgres: true, redis: true, etcd: 3 });
    assert.equal(again.postgres.pid, servers.postgres.pid);
    assert.equal(again.redis.pid, servers.redis.pid);
  } finally {
    await stopServers();
  }
  assert.ok(!alive(servers.postgres.pid) && !alive(servers.redis.pid), "stopped");
  for (const member of servers.etcd.members) assert.ok(!alive(member.pid));
  assert.ok(!fs.existsSync(servers.postgres.folder) && !fs.existsSync(servers.redis.folder), "their folders are removed");
});

/** A child that starts every server, prints their pids and folders, then idles (or exits when told). */
function owner(extra = "") {
  const code = `
    const { startServers } = require("proclab/servers");
    startServers({ postgres: true, redis: true, etcd: 3 }).then((s) => {
      const pids = [s.postgres.pid, s.redis.pid, ...s.etcd.members.map((m) => m.pid)];
      const folders = [s.postgres.folder, s.redis.folder];
      console.log(JSON.stringify({ pids, folders }));
      ${extra}
      setInterval(() => {}, 1000);
    }, (e) => { console.error(e); process.exit(3); });`;
  return code;
}

async function startOwner(extra, options = {}) {
  const child = spawn(process.execPath, ["-e", owner(extra)], { stdio: ["ignore", "pipe", "inherit"], ...options });
  const line = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) resolve(out.split("\n")[0]);
    });
    child.on("exit", (code) => reject(new Error(`the owner exited (${code}) before starting the servers`)));
  });
  return { child, ...JSON.parse(line) };
}

/** Every process of the servers, PostgreSQL's backends included: found by their folders in their command lines. */
function serverProcesses(folders) {
  const ps = spawnSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" }).stdout;
  return ps.split("\n").filter((line) => folders.some((folder) => line.includes(path.basename(folder))));
}

test("a SIGKILLed owner takes every server with it (pdeathsig), and the next start removes its folders", all, async () => {
  const { child, pids, folders } = await startOwner();
  assert.ok(pids.every(alive));
  child.kill("SIGKILL");
  await until("every server process is gone", () => pids.every((pid) => !alive(pid)) && serverProcesses(folders).length === 0);
  assert.ok(
    folders.every((f) => fs.existsSync(f)),
    "a killed owner could not clean up its folders",
  );
  const { redis } = await startServers({ redis: true });
  await stopServers();
  assert.ok(
    folders.every((f) => !fs.existsSync(f)),
    "the next start swept them",
  );
  assert.ok(!alive(redis.pid));
});

test("an owner that exits stops its servers and removes their folders", all, async () => {
  const { child, pids, folders } = await startOwner("setTimeout(() => process.exit(0), 100);");
  await new Promise((resolve) => child.once("exit", resolve));
  await until("every server process is gone", () => pids.every((pid) => !alive(pid)));
  assert.ok(folders.every((f) => !fs.existsSync(f)));
});

test("SIGINT to the owner's process group (Jupyter's cell interrupt) stops every server", all, async () => {
  const { child, pids } = await startOwner("", { detached: true });
  process.kill(-child.pid, "SIGINT");
  await until("every server process is gone", () => pids.every((pid) => !alive(pid)), 10_000);
  child.kill("SIGKILL");
});

test("a missing engine is one message naming what to install on Debian/Ubuntu and macOS", () => {
  const result = spawnSync(
    process.execPath,
    [
      "-e",
      `try { require("proclab/servers").findEngine("redis"); console.log("found") } catch (e) { console.log(e.name + ": " + e.message) }`,
    ],
    { encoding: "utf8", env: { ...process.env, PATH: "/nonexistent" } },
  );
  // /usr/local/bin and /opt/homebrew/bin are searched besides PATH: found there only if it is there.
  if (result.stdout.trim() === "found")
    return assert.ok(["/usr/local/bin", "/opt/homebrew/bin"].some((dir) => fs.existsSync(path.join(dir, "redis-server"))));
  assert.match(
    result.stdout,
    /^EngineMissingError: redis is not installed here \(no redis-server program found\)\. Install it — Debian\/Ubuntu: sudo apt-get install redis-server · macOS: brew install redis/,
  );
  assert.equal(new EngineMissingError("etcd", "etcd").message.includes("apt-get install etcd-server"), true);
});
