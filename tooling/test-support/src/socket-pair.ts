import { type AddressInfo, connect, createServer, type Socket } from 'node:net';

/**
 * Two connected TCP sockets over loopback: `[server side, client side]`, both connected when the
 * promise resolves. The listening server is closed at once; closing the sockets is the caller's.
 */
export async function socketPair(): Promise<[Socket, Socket]> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const serverSide = await accepted;
  server.close();
  await new Promise((resolve) => client.once('connect', resolve));
  return [serverSide, client];
}
