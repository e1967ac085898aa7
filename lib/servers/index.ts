/**
 * servers: private PostgreSQL, Redis and etcd servers for the beyond-one-machine chapter, started
 * from the system's own programs, each in a temp folder, stopped on every exit path (launch.ts).
 */
export { findEngine, enginesPresent, requireEngines, EngineMissingError, installHint, type Engine } from "./engines";
export { ServerStartError, serverUser, freePort, type RunAs } from "./launch";
export { startPostgres, type PostgresServer, type PostgresOptions } from "./postgres";
export { startRedis, type RedisServer } from "./redis";
export { startEtcd, type EtcdCluster, type EtcdMember, type EtcdOptions } from "./etcd";
export { startServers, stopServers, type Servers, type ServerChoice } from "./together";
