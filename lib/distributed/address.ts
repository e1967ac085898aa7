/**
 * Where a store is: the private servers this process started, or a URL a teacher hands out
 * (`postgres://user:password@host:5432/db`, `redis://:password@host:6379`,
 * `etcd://host:2379,host:2379`). Plain data, so it travels to buyer processes.
 */
import { tr } from "../core/lang";

export type StoreEngine = "postgres" | "redis" | "etcd" | "file";

export type StoreAddress =
  | { engine: "postgres"; connection: { host: string; port: number; user: string; password?: string; database: string } }
  | { engine: "redis"; connection: { path?: string; host?: string; port?: number; password?: string; username?: string } }
  | { engine: "etcd"; endpoints: string[] }
  /** db.json on this machine with proclab's Lock: the file rush, as a yardstick beside the servers. */
  | { engine: "file"; path: string };

/** A store URL that cannot be used: the message names it and what was expected. */
export class StoreUrlError extends Error {
  override name = "StoreUrlError";
}

const forms = "postgres://user:password@host:port/database, redis://[:password@]host:port or etcd://host:port[,host:port…]";
const zhForms = "postgres://user:password@host:port/database、redis://[:password@]host:port 或 etcd://host:port[,host:port…]";

/** The URL forms a message lists, in the learner's language. */
const expected = (): string => tr(`expected ${forms}`, `应为 ${zhForms}`);

function noHost(shown: string): string {
  return tr(`--store ${shown}: no host (${expected()})`, `--store ${shown}：缺少主机名（${expected()}）`);
}

/** Parses a store URL; throws StoreUrlError naming the URL (password hidden) and the expected forms. */
export function parseStoreUrl(text: string): StoreAddress {
  // Never echo a password: every message shows the URL with it masked.
  const shown = text.replace(/\/\/([^:@/]*):[^@]*@/, "//$1:***@");
  // Several hosts, comma-separated, are not one URL's host: etcd's list is split by hand.
  if (text.startsWith("etcd://")) {
    const hosts = text
      .slice("etcd://".length)
      .split(",")
      .map((host) => host.replace(/\/$/, ""));
    const bad = hosts.find((host) => !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(host));
    if (bad !== undefined)
      throw new StoreUrlError(
        tr(
          `--store ${JSON.stringify(shown)}: ${JSON.stringify(bad)} is not host:port (${expected()})`,
          `--store ${JSON.stringify(shown)}：${JSON.stringify(bad)} 不是 host:port 的形式（${expected()}）`,
        ),
      );
    return { engine: "etcd", endpoints: hosts.map((host) => `http://${host}`) };
  }
  let url: URL;
  try {
    // libpq's socket form, postgres://user@/db?host=/folder, has no host: give the parser one.
    url = new URL(/^postgres(ql)?:\/\/[^/]*@\//.test(text) && /[?&]host=/.test(text) ? text.replace("@/", "@localhost/") : text);
  } catch {
    throw new StoreUrlError(
      tr(`--store ${JSON.stringify(shown)} is not a URL: ${expected()}`, `--store ${JSON.stringify(shown)} 不是 URL：${expected()}`),
    );
  }
  const port = (fallback: number): number => {
    const value = url.port ? Number(url.port) : fallback;
    if (!Number.isInteger(value) || value < 1 || value > 65535)
      throw new StoreUrlError(tr(`--store ${shown}: bad port ${url.port}`, `--store ${shown}：端口 ${url.port} 无效`));
    return value;
  };
  switch (url.protocol) {
    case "postgres:":
    case "postgresql:": {
      const database = decodeURIComponent(url.pathname.replace(/^\//, ""));
      const socketHost = url.searchParams.get("host");
      const host = socketHost ?? url.hostname;
      if (!host) throw new StoreUrlError(noHost(shown));
      if (!database)
        throw new StoreUrlError(
          tr(
            `--store ${shown}: no database name after the host (${expected()})`,
            `--store ${shown}：主机后面缺少数据库名（${expected()}）`,
          ),
        );
      if (!url.username)
        throw new StoreUrlError(
          tr(`--store ${shown}: no user before the host (${expected()})`, `--store ${shown}：主机前面缺少用户名（${expected()}）`),
        );
      return {
        engine: "postgres",
        connection: {
          host,
          port: port(5432),
          user: decodeURIComponent(url.username),
          ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
          database,
        },
      };
    }
    case "redis:": {
      if (!url.hostname) throw new StoreUrlError(noHost(shown));
      return {
        engine: "redis",
        connection: {
          host: url.hostname,
          port: port(6379),
          ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
          ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
        },
      };
    }
    default:
      throw new StoreUrlError(
        tr(
          `--store ${shown}: unknown kind of store ${url.protocol.replace(":", "")} (${expected()})`,
          `--store ${shown}：未知的存储类型 ${url.protocol.replace(":", "")}（${expected()}）`,
        ),
      );
  }
}

/** The address for a URL, for messages: no password. */
export function describeAddress(address: StoreAddress): string {
  switch (address.engine) {
    case "postgres":
      return `PostgreSQL ${address.connection.user}@${address.connection.host}${address.connection.host.startsWith("/") ? "" : `:${address.connection.port}`}/${address.connection.database}`;
    case "redis":
      return `Redis ${address.connection.path ?? `${address.connection.host}:${address.connection.port}`}`;
    case "etcd":
      return `etcd ${address.endpoints.join(",")}`;
    case "file":
      return `the file ${address.path}`;
  }
}
