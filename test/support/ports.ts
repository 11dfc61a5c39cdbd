import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import type { TestContext } from 'node:test';

/**
 * A port where nothing listens, and that no other listener is handed out while the test runs: connecting
 * to it is refused (ECONNREFUSED) for the whole test.
 *
 * A port that was only handed out and closed again can be handed out again at once, to a listener opened
 * meanwhile (the test's own fake InfluxDB, or another process of the suite): in one CI run the refusal
 * the test expected became a closed connection, as when that happens. Here the listener is closed but one
 * connection it accepted is kept until the test ends: that socket still holds the port, so the system
 * does not hand it to another listener, while connections to it are refused (nothing listens).
 */
export const deadPort = async (t: Pick<TestContext, 'after'>): Promise<number> => {
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  const held = await accepted;
  // No more listening; `close` resolves only once the held connection ends, so it is not awaited here.
  const closed = new Promise((resolve) => server.close(resolve));
  t.after(async () => {
    client.destroy();
    held.destroy();
    await closed;
  });
  return port;
};

/** A port where nothing listens now, for a server the test starts on it next. */
export const freePort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
};
