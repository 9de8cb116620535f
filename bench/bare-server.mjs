// The baseline: a bare node:http server that answers every request with 201 and a queue Location,
// doing no work at all. Steward's trigger rate is reported as a fraction of this one's.
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(201, { Location: `http://${request.headers.host}/queue/item/1/`, 'Content-Length': '0' });
    response.end();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
