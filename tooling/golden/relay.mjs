// A recording TCP relay: listens on 127.0.0.1 (free port), forwards every accepted connection to
// the target port and keeps each direction's bytes in arrival order.
import net from 'node:net';

/**
 * Starts the relay. Returns { port, connections, close() }; each connection is
 * { index, c2s: Buffer[], s2c: Buffer[], closed: Promise<void> }.
 */
export async function startRelay(targetPort) {
  const connections = [];
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    const conn = { index: connections.length, c2s: [], s2c: [], closed: null };
    connections.push(conn);
    sockets.add(client);
    sockets.add(upstream);
    let open = 2;
    conn.closed = new Promise((resolve) => {
      const done = () => {
        open -= 1;
        if (open === 0) resolve();
      };
      client.on('close', done);
      upstream.on('close', done);
    });
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on('data', (chunk) => {
      conn.c2s.push(Buffer.from(chunk));
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      conn.s2c.push(Buffer.from(chunk));
      client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    port,
    connections,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(() => resolve()));
      await Promise.all(connections.map((c) => c.closed));
    },
  };
}
