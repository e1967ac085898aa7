/**
 * distributed (分布式): the ticket rush on real servers that buyers share — PostgreSQL, Redis,
 * etcd — with the strategies each offers, a deterministic pause that breaks a lease lock, faults,
 * and the class rush where every student's buyers hit one teacher's server.
 */
export { parseStoreUrl, describeAddress, StoreUrlError, type StoreAddress, type StoreEngine } from "./address";
export { storeStrategyNames, strategiesOf, storeStrategy, type StoreStrategy } from "./strategies";
export {
  runStoreRush,
  summarizeStoreRush,
  percentile,
  type StoreRushOptions,
  type StoreRushResult,
  type StoreTrial,
  type StoreRushSummary,
  type StorePause,
  type StoreFault,
} from "./rush";
export { storeAddress, compareStoreStrategies, storeRushTable } from "./compare";
export { runStoreBuyer, storeBuyerModule, type StoreBuyerPlan, type StoreBuyerOutcome, type PurchaseMarks } from "./buyer";
export { openCounter, openSeller } from "./connect";
export { defaultNamespace, type Counter, type Seller } from "./seller";
// The servers this chapter runs on, so a notebook needs one import.
export { startServers, stopServers, enginesPresent, requireEngines, type Servers } from "../servers";
export { startRedis, type RedisServer } from "../servers";
export {
  startClassServer,
  openClassRush,
  classTally,
  classTallyText,
  watchClassRush,
  type ClassServer,
  type ClassServerOptions,
  type ClassTally,
} from "./class-rush";
