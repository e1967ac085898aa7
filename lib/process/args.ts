/**
 * Args travel to the child as structured-clone data. Objects implementing the
 * transfer protocol (a Lock) travel as `{ $proclab: kind, state }` and are
 * revived in the child. Functions, symbols and open handles are rejected before
 * start with the position of the bad value.
 */
import * as net from "node:net";
import * as v8 from "node:v8";
import { isTransferable, reviveTransferred, transferredForm, type TransferredValue } from "../core/transfer";
import { describeValue } from "./describe";

/** Validates `args` and encodes transferable objects; throws a TypeError naming the bad arg. */
export function encodeArgs(args: readonly unknown[]): unknown[] {
  if (!Array.isArray(args)) throw new TypeError(`args must be an array, got ${describeValue(args)}`);
  return args.map((arg, index) => {
    const where = `args[${index}]`;
    const encoded = encode(arg, where, new Set());
    try {
      v8.serialize(encoded);
    } catch (error) {
      throw new TypeError(`${where} cannot be copied to a child process: ${(error as Error).message}`);
    }
    return encoded;
  });
}

function encode(value: unknown, where: string, seen: Set<object>): unknown {
  if (typeof value === "function") {
    throw new TypeError(
      `${where} is a function (${value.name || "anonymous"}): functions cannot be copied to another process; pass data, and require() code inside the target`,
    );
  }
  if (typeof value === "symbol")
    throw new TypeError(`${where} is a symbol (${String(value)}): symbols cannot be copied to another process`);
  if (typeof value !== "object" || value === null) return value;
  if (isTransferable(value)) {
    try {
      return transferredForm(value);
    } catch (error) {
      throw new TypeError(`${where} cannot be copied to a child process: ${(error as Error).message}`);
    }
  }
  if (value instanceof net.Socket || value instanceof net.Server) {
    throw new TypeError(
      `${where} is a ${value.constructor.name}: open sockets and servers cannot be copied to another process; pass an address and connect in the target`,
    );
  }
  if (seen.has(value)) return value; // a cycle: structured clone copies it as is
  seen.add(value);
  if (Array.isArray(value)) return value.map((item, i) => encode(item, `${where}[${i}]`, seen));
  if (value instanceof Map)
    return new Map([...value].map(([k, v]) => [encode(k, `${where} key`, seen), encode(v, `${where}.get(${String(k)})`, seen)]));
  if (value instanceof Set) return new Set([...value].map((item) => encode(item, `${where} item`, seen)));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value; // Date, typed arrays, Error…: v8 decides
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, encode(item, `${where}.${key}`, seen)]));
}

function isTransferred(value: object): value is TransferredValue {
  return typeof (value as Partial<TransferredValue>).$proclab === "string" && "state" in value;
}

/** In the child: rebuilds transferred objects. */
export function reviveArgs(args: unknown[]): unknown[] {
  return args.map(revive);
}

function revive(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (isTransferred(value)) return reviveTransferred(value);
  if (Array.isArray(value)) return value.map(revive);
  if (Object.getPrototypeOf(value) === Object.prototype) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  return value;
}
