// The baseline: a bare node:http server doing no work at all. By default it answers every request
// with 201 and a queue Location (the trigger benchmark); with BARE_BODY_FILE it answers 200 with that
// file's bytes as HTML (the page benchmark: the same bytes Steward renders, without the rendering).
// Steward's rates are reported as a fraction of this one's.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const page = process.env.BARE_BODY_FILE ? readFileSync(process.env.BARE_BODY_FILE) : null;

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    if (page) {
      response.writeHead(200, { 'Content-Type': 'text/html;charset=UTF-8', 'Content-Length': page.length });
      response.end(page);
      return;
    }
    response.writeHead(201, { Location: `http://${request.headers.host}/queue/item/1/`, 'Content-Length': '0' });
    response.end();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
