// The cheapest pass-through there is, for the scale-out bench's `relayed` mode: a process that
// accepts TCP connections on a port and pipes each one's bytes, both ways, to a server's port, doing
// nothing else (no token check, no Redis, no HTTP parsing). `node scaleoutRelay.js <port> <target>`;
// prints "listening" once it accepts.
import * as net from 'node:net';

const [port, target] = process.argv.slice(2).map(Number);
if (!Number.isInteger(port) || !Number.isInteger(target)) {
  console.error('usage: scaleoutRelay.js <port> <target port>');
  process.exit(2);
}
const relay = net.createServer((socket) => {
  const upstream = net.connect({ host: '127.0.0.1', port: target });
  socket.setNoDelay(true);
  upstream.setNoDelay(true);
  socket.pipe(upstream);
  upstream.pipe(socket);
  const done = () => {
    socket.destroy();
    upstream.destroy();
  };
  socket.on('error', done).on('close', done);
  upstream.on('error', done).on('close', done);
});
relay.listen(port, '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => process.exit(0));
