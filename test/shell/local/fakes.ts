import { createServer, type Server } from 'node:http';

/**
 * An InfluxDB that fails on purpose: `fail-writes` has every bucket (the start-up check passes) and
 * answers every write and query 503; `unauthorized` refuses every token; `unavailable` answers 503 to all.
 */
export const fakeInfluxDB = async (
  mode: 'fail-writes' | 'unauthorized' | 'unavailable',
): Promise<{ server: Server; url: string }> => {
  const json = (status: number, body: unknown) => ({ status, body: JSON.stringify(body) });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const { status, body } =
        mode === 'unauthorized'
          ? json(401, { code: 'unauthorized', message: 'unauthorized access' })
          : mode === 'fail-writes' && url.pathname === '/api/v2/buckets'
            ? json(200, { buckets: [{ name: url.searchParams.get('name') }] })
            : json(503, { code: 'unavailable', message: 'fake InfluxDB: writes and queries refused' });
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}` };
};
