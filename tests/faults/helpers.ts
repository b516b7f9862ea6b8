import { connect, createServer, type Server, type Socket } from 'node:net';

/** A TCP relay on a fixed loopback port: `down()` kills it mid-connection, `up()` brings it back. */
export interface Relay {
  readonly url: string;
  /** Closes the listener and destroys every open connection (the server "dies"). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a relay to `target` (a `http://127.0.0.1:port` URL). */
export async function startRelay(target: string): Promise<Relay> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    const next = createServer((client) => {
      const upstream = connect({ host: hostname, port: Number(targetPort) });
      sockets.add(client).add(upstream);
      client.on('close', () => sockets.delete(client));
      upstream.on('close', () => sockets.delete(upstream));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    const address = next.address();
    if (address && typeof address === 'object') port = address.port;
    server = next;
  };
  const down = async () => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  await listen();
  return {
    url: `http://127.0.0.1:${port}`,
    down,
    up: listen,
    close: down,
  };
}

/** A promise with its resolve function, to hold a tool or remediation until a test says go. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open: () => void = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** Polls `check` until it returns something other than undefined (no timing is asserted). */
export async function waitFor<T>(check: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 2_000; i++) {
    const value = check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A store whose chosen methods throw, a chosen number of times, when `when(args)` holds. */
export interface FailingStore<S extends object> {
  store: S;
  /** Makes the next `times` calls of `method` (matching `when`) throw `STORE_WRITE_FAILED`. */
  failNext(method: string, times?: number, when?: (args: unknown[]) => boolean): void;
  /** How many calls failed so far. */
  readonly failures: number;
}

/** Wraps a store (any object with methods) so tests can make writes fail. */
export function failingStore<S extends object>(inner: S): FailingStore<S> {
  const plans: Array<{ method: string; left: number; when: (args: unknown[]) => boolean }> = [];
  let failures = 0;
  const store = new Proxy(inner, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const plan = plans.find((p) => p.method === property && p.left > 0 && p.when(args));
        if (plan) {
          plan.left -= 1;
          failures += 1;
          return Promise.reject(
            new Error(`STORE_WRITE_FAILED: ${String(property)} failed (disk I/O error)`),
          );
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    store,
    failNext(method, times = 1, when = () => true) {
      plans.push({ method, left: times, when });
    },
    get failures() {
      return failures;
    },
  };
}
