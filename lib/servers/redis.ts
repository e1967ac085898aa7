/** A private Redis: no TCP port, a Unix socket in a temp folder, nothing saved to disk. */
import * as path from "node:path";
import { findEngine } from "./engines";
import { isUp, launch, removeFolder, serverFolder, serverUser, stopLaunched } from "./launch";

export interface RedisServer {
  engine: "redis";
  /** The Unix socket: `new Redis({ path: socket })` (ioredis). */
  socket: string;
  pid: number;
  folder: string;
  isUp(): boolean;
  /** Kills it at once (SIGKILL): a server crash, for the fault demos. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(options: { timeoutMs?: number } = {}): Promise<RedisServer> {
  const programs = findEngine("redis");
  const user = serverUser();
  const folder = serverFolder("redis", user);
  const socket = path.join(folder, "redis.sock");
  try {
    const server = await launch({
      label: "Redis",
      command: programs["redis-server"],
      args: ["--port", "0", "--unixsocket", socket, "--unixsocketperm", "777", "--save", "", "--appendonly", "no", "--dir", folder],
      cwd: folder,
      user,
      // "Ready to accept connections" in most versions; 7.0 says "The server is now ready to accept connections".
      readyLine: /ready to accept connections/i,
      timeoutMs: options.timeoutMs ?? 15_000,
    });
    return {
      engine: "redis",
      socket,
      pid: server.pid,
      folder,
      isUp: () => isUp(server),
      async kill() {
        await stopLaunched(server, "SIGKILL", 0);
      },
      async stop() {
        await stopLaunched(server, "SIGTERM");
        removeFolder(folder);
      },
    };
  } catch (error) {
    removeFolder(folder);
    throw error;
  }
}
