/**
 * A private PostgreSQL: initdb into a temp folder, then `postgres` listening on a Unix socket
 * only (no TCP port), with fsync off (a course's throwaway data). As root, both run as the
 * `postgres` user: initdb refuses root.
 */
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
}

const port = 5432; // only names the socket file (.s.PGSQL.5432) in our own folder: no TCP listener

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
      ["-D", data, "-U", superuser, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"],
      user,
      folder,
    );
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
        "listen_addresses=",
        "-c",
        "fsync=off",
        "-c",
        "synchronous_commit=off",
        "-c",
        "full_page_writes=off",
        "-c",
        "max_connections=200",
      ],
      cwd: folder,
      user,
      readyLine: /database system is ready to accept connections/,
      timeoutMs,
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
