/**
 * A private etcd cluster: N members on free loopback ports, their data on tmpfs when there is one
 * (each member's folder grows to ~120 MB), heartbeat 50 ms and election timeout 500 ms so a lost
 * leader is replaced within about a second. Ready when every member says it is healthy.
 */
import * as http from "node:http";
import * as path from "node:path";
import { findEngine } from "./engines";
import { freePort, isUp, launch, removeFolder, serverFolder, stopLaunched, type Launched } from "./launch";

export interface EtcdMember {
  name: string;
  /** http://127.0.0.1:<port>: what clients connect to. */
  clientUrl: string;
  pid: number;
  isUp(): boolean;
  /** SIGKILL: a member (or the leader) crashes. */
  kill(): Promise<void>;
}

export interface EtcdCluster {
  engine: "etcd";
  /** Every member's client URL: give them all to the client, so it can fail over. */
  endpoints: string[];
  members: EtcdMember[];
  /** The member that is leader now (asked of the live members), or null during an election. */
  leader(): Promise<EtcdMember | null>;
  isUp(): boolean;
  stop(): Promise<void>;
}

export interface EtcdOptions {
  /** Members of the cluster; default 3 (survives losing one). */
  members?: number;
  timeoutMs?: number;
}

/** A free loopback port (the kernel picks it; closed again at once). */
/** One JSON request to a member's HTTP gateway: GET without a body, POST with one. */
function requestJson(url: string, body?: unknown, timeoutMs = 500): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const method = body === undefined ? "GET" : "POST";
    const request = http.request(url, { method, timeout: timeoutMs, headers: { "content-type": "application/json" } }, (response) => {
      let text = "";
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => {
        try {
          resolve(JSON.parse(text));
        } catch (error) {
          reject(error);
        }
      });
    });
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

export async function startEtcd(options: EtcdOptions = {}): Promise<EtcdCluster> {
  const size = options.members ?? 3;
  if (!Number.isInteger(size) || size < 1 || size > 7)
    throw new RangeError(`startEtcd: members must be an integer from 1 to 7, got ${size}`);
  const programs = findEngine("etcd");
  // etcd runs happily as root; no user switch needed.
  // Each member's folder grows to ~120 MB: on tmpfs when there is one.
  const folder = serverFolder("etcd", null, { tmpfs: true });
  const ports: number[] = [];
  for (let i = 0; i < size * 2; i++) ports.push(await freePort());
  const names = Array.from({ length: size }, (_, i) => `m${i + 1}`);
  const peerUrl = (i: number): string => `http://127.0.0.1:${ports[2 * i + 1]}`;
  const clientUrl = (i: number): string => `http://127.0.0.1:${ports[2 * i]}`;
  const cluster = names.map((name, i) => `${name}=${peerUrl(i)}`).join(",");
  const launched: Launched[] = [];
  const cleanup = async (): Promise<void> => {
    await Promise.all(launched.map((member) => stopLaunched(member, "SIGKILL", 0)));
    removeFolder(folder);
  };
  try {
    const started = await Promise.allSettled(
      names.map((name, i) =>
        launch({
          label: `etcd member ${name}`,
          command: programs.etcd,
          args: [
            "--name",
            name,
            "--data-dir",
            path.join(folder, name),
            "--listen-client-urls",
            clientUrl(i),
            "--advertise-client-urls",
            clientUrl(i),
            "--listen-peer-urls",
            peerUrl(i),
            "--initial-advertise-peer-urls",
            peerUrl(i),
            "--initial-cluster",
            cluster,
            "--initial-cluster-state",
            "new",
            "--initial-cluster-token",
            path.basename(folder),
            "--heartbeat-interval",
            "50",
            "--election-timeout",
            "500",
            "--log-level",
            "warn",
          ],
          cwd: folder,
          user: null,
          readyLine: null,
          // Healthy means: this member sees a leader and can serve a quorum read.
          ready: async () => ((await requestJson(`${clientUrl(i)}/health`)) as { health?: string }).health === "true",
          timeoutMs: options.timeoutMs ?? 20_000,
        }).then((member) => (launched[i] = member)),
      ),
    );
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (error) {
    await cleanup();
    throw error;
  }
  const members: EtcdMember[] = names.map((name, i) => ({
    name,
    clientUrl: clientUrl(i),
    pid: launched[i].pid,
    isUp: () => isUp(launched[i]),
    kill: () => stopLaunched(launched[i], "SIGKILL", 0),
  }));
  return {
    engine: "etcd",
    endpoints: members.map((member) => member.clientUrl),
    members,
    leader: () => leaderOf(members),
    isUp: () => members.every((member) => member.isUp()),
    stop: cleanup,
  };
}

/** Asks each live member (POST /v3/maintenance/status) who leads; the member whose id is the leader's. */
async function leaderOf(members: EtcdMember[]): Promise<EtcdMember | null> {
  const statuses = await Promise.all(
    members.map(async (member) => {
      if (!member.isUp()) return null;
      try {
        const status = (await requestJson(`${member.clientUrl}/v3/maintenance/status`, {})) as {
          header?: { member_id?: string };
          leader?: string;
        };
        return { member, id: status.header?.member_id, leader: status.leader };
      } catch {
        return null;
      }
    }),
  );
  const known = statuses.filter((s) => s && s.leader && s.leader !== "0");
  const leaderId = known[0]?.leader;
  return statuses.find((s) => s && s.id === leaderId)?.member ?? null;
}
