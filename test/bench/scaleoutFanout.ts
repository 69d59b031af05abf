// The least a room's traffic can cross between instances, for the scale-out bench's `fanout` mode:
// a process in front of a server that holds ONE upstream connection per room (an ordinary y-websocket
// connection, with the room's first client's URL and token) however many of the room's clients
// reach it. A client's document update goes up once and straight to the other clients here; what
// comes down goes to every client here. So each update crosses once per process, not once per client,
// as instances passing one message per update between them and fanning it out to their own clients
// would do. Nothing else is done (no checks, no Redis): a floor to measure, not a server.
// `node scaleoutFanout.js <port> <target port>`; prints "listening" once it accepts.
import WebSocket, { WebSocketServer } from 'ws';

const [port, target] = process.argv.slice(2).map(Number);
if (!Number.isInteger(port) || !Number.isInteger(target)) {
  console.error('usage: scaleoutFanout.js <port> <target port>');
  process.exit(2);
}

interface Room {
  readonly upstream: WebSocket;
  readonly clients: Set<WebSocket>;
  /** What clients sent before the upstream opened. */
  readonly waiting: WebSocket.RawData[];
}

const rooms = new Map<string, Room>();
/**
 * What the other clients here get at once: document updates (messageSync 0, messageYjsUpdate 2) and
 * awareness (1). Sync steps only go up; the server answers them.
 */
const fansOut = (data: Buffer) => data[0] === 1 || (data.length > 1 && data[0] === 0 && data[1] === 2);

const server = new WebSocketServer({ port, host: '127.0.0.1' }, () => console.log('listening'));
server.on('connection', (client, request) => {
  const url = request.url ?? '/';
  const key = url.split('?')[0];
  let room = rooms.get(key);
  if (!room) {
    const upstream = new WebSocket(`ws://127.0.0.1:${target}${url}`);
    const created: Room = { upstream, clients: new Set(), waiting: [] };
    room = created;
    rooms.set(key, created);
    upstream.binaryType = 'nodebuffer';
    upstream.on('open', () => {
      for (const data of created.waiting.splice(0)) upstream.send(data);
    });
    upstream.on('message', (data) => {
      for (const each of created.clients) each.send(data);
    });
    const end = () => {
      if (rooms.get(key) === created) rooms.delete(key);
      for (const each of created.clients) each.close();
    };
    upstream.on('close', end);
    upstream.on('error', end);
  }
  const joined = room;
  joined.clients.add(client);
  client.on('message', (data: Buffer) => {
    if (joined.upstream.readyState === WebSocket.OPEN) joined.upstream.send(data);
    else joined.waiting.push(data);
    // The other clients here get it at once: the server does not send it back up.
    if (fansOut(data)) for (const each of joined.clients) if (each !== client) each.send(data);
  });
  client.on('close', () => {
    joined.clients.delete(client);
    if (joined.clients.size === 0) {
      if (rooms.get(key) === joined) rooms.delete(key);
      joined.upstream.close();
    }
  });
  client.on('error', () => client.terminate());
});
process.on('SIGTERM', () => process.exit(0));
