import { logFor } from "../lib/observability/log";
import type { Database, Executor, Transaction } from "./client";

/**
 * Effects that must follow a commit, such as counting what a transaction wrote: an effect
 * registered with afterCommit on a transaction runs once the outermost transaction has
 * committed, and never when it (or the savepoint it was registered in) rolls back. A
 * statement outside a transaction commits by itself, so the effect runs at once.
 * openDatabase tracks every transaction of its database this way.
 */
type Effects = (() => void)[];
type Begin = <T>(work: (tx: Transaction) => Promise<T>, config?: unknown) => Promise<T>;

const pending = new WeakMap<object, Effects>();
const log = logFor("database");

export function afterCommit(executor: Executor, effect: () => void): void {
  const effects = pending.get(executor);
  if (effects) effects.push(effect);
  else effect();
}

function tracked(begin: Begin, parent: Effects | null): Begin {
  return async (work, config) => {
    const effects: Effects = [];
    const result = await begin(async (tx) => {
      pending.set(tx, effects);
      // A savepoint's effects wait for the transaction around it.
      tx.transaction = tracked(tx.transaction.bind(tx) as Begin, effects) as Transaction["transaction"];
      return work(tx);
    }, config);
    if (parent) parent.push(...effects);
    else for (const effect of effects) runCommitted(effect);
    return result;
  };
}

/** The transaction has committed: an effect that fails must not make it look failed. */
function runCommitted(effect: () => void): void {
  try {
    effect();
  } catch (error) {
    log.error({ err: error }, "an effect after commit failed");
  }
}

/** Makes the database's transactions (and their savepoints) run their afterCommit effects. */
export function trackCommits(db: Database): Database {
  db.transaction = tracked(db.transaction.bind(db) as Begin, null) as Database["transaction"];
  return db;
}
