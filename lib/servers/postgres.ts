/**
 * A private PostgreSQL: initdb into a temp folder, then `postgres` listening on a Unix socket
 * only (no TCP port), with fsync off (a course's throwaway data). As root, both run as the
 * `postgres` user: initdb refuses root.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findEngine } from "./engines";
import { launch, removeFolder, runOnce, serverFolder, serverUser, stopLaunched, isUp, type Launched } from "./launch";

export interface PostgresServer {
  engine: "postgres";
  /** A connection string for `pg` (and psql): the socket folder is the host. */
  url: string;
  /** What `new pg.Client(...)` takes. */
  connection: { host: string; port: number; user: string; database: string };
  pid: number;
  folder: string;
  isUp(): boolean;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** How long initdb + start may take, ms. Default 30 000 (a busy 2-core machine). */
  timeoutMs?: number;
  /**
   * Also listen on TCP (a class rush: students' machines connect over the network). Connections
   * over TCP need a password (scram-sha-256); the Unix socket stays trusted for the owner.
   * Default: no TCP listener at all.
   */
  tcp?: { host: string; port: number };
}

const socketPort = 5432; // without TCP it only names the socket file (.s.PGSQL.5432) in our own folder

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const programs = findEngine("postgres");
  const user = serverUser();
  const folder = serverFolder("postgres", user);
  const data = path.join(folder, "data");
  // The database's superuser is the OS user that ran initdb.
  const superuser = user?.name ?? (process.env.USER || os.userInfo().username);
  try {
    await runOnce(
      "PostgreSQL initdb",
      programs.initdb,
      [
        "-D",
        data,
        "-U",
        superuser,
        "--auth-local=trust",
        `--auth-host=${options.tcp ? "scram-sha-256" : "trust"}`,
        "--no-sync",
        "-E",
        "UTF8",
        "--locale=C",
      ],
      user,
      folder,
      timeoutMs,
    );
    const started = Date.now();
    const port = options.tcp?.port ?? socketPort;
    if (options.tcp) {
      // initdb's pg_hba.conf lets TCP in from loopback only: let the class in, with a password.
      fs.appendFileSync(path.join(data, "pg_hba.conf"), "host all all 0.0.0.0/0 scram-sha-256\n");
    }
    const server: Launched = await launch({
      label: "PostgreSQL",
      command: programs.postgres,
      args: [
        "-D",
        data,
        "-k",
        folder,
        "-p",
        String(port),
        "-c",
        `listen_addresses=${options.tcp?.host ?? ""}`,
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        // Shared memory in files of the data folder, not /dev/shm: a server killed with us leaves none behind.
        "-c",
        "dynamic_shared_memory_type=mmap",
        "-c",
        "max_connections=200",
      ],
      cwd: folder,
      user,
      readyLine: /database system is ready to accept connections/,
      timeoutMs: Math.max(1000, timeoutMs - (Date.now() - started)), // initdb and start share the time
    });
    const connection = { host: folder, port, user: superuser, database: "postgres" };
    return {
      engine: "postgres",
      url: `postgres://${encodeURIComponent(superuser)}@/${connection.database}?host=${encodeURIComponent(folder)}`,
      connection,
      pid: server.pid,
      folder,
      isUp: () => isUp(server),
      async stop() {
        // SIGINT is PostgreSQL's fast shutdown: clients disconnected, no waiting.
        await stopLaunched(server, "SIGINT");
        removeFolder(folder);
      },
    };
  } catch (error) {
    removeFolder(folder);
    throw error;
  }
}
