import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { startTestServer, testPhoto, type TestClient, type TestServer } from '../../helpers/harness.js';

/** The pixel features through the real HTTP API: upload, task, poll, download. */
describe('pixel features over the API', () => {
  let server: TestServer;
  let client: TestClient;
  before(async () => {
    server = await startTestServer();
    client = await server.newClient(100);
  });
  after(() => server.close());

  it('obj-removal returns one photo of the same size', async () => {
    const mask = await sharp({ create: { width: 548, height: 342, channels: 3, background: '#000' } })
      .composite([{ input: Buffer.from('<svg width="548" height="342"><circle cx="362" cy="312" r="30" fill="#fff"/></svg>') }]).png().toBuffer();
    const r = await client.runTask('obj-removal', { src: testPhoto('messi5.jpg'), mask });
    assert.equal(r.status, 'success', JSON.stringify(r));
    const out = await client.download(r.results[0].data[0].url);
    const m = await sharp(out).metadata();
    assert.deepEqual([m.width, m.height], [548, 342]);
  });

  it('out-paint rejects bad geometry as a task error naming the field', async () => {
    const r = await client.runTask('out-paint', { src: testPhoto('chelsea.png') }, {
      output_width: 500, output_height: 300, input_x: 100, input_y: 0, input_width: 451, input_height: 300,
      crop_input_x: 0, crop_input_y: 0, crop_input_width: 451, crop_input_height: 300,
    });
    assert.equal(r.status, 'error');
    assert.equal(r.error, 'invalid_parameter');
    assert.match(r.error_message, /input_width/);
  });

  it('color-correct returns four graded results', async () => {
    const r = await client.runTask('color-correct', { src: testPhoto('fruits.jpg') });
    assert.equal(r.status, 'success', JSON.stringify(r));
    assert.equal(r.results[0].data.length, 4);
  });

  it('colorize without weights fails with error_inference', async () => {
    const r = await client.runTask('colorize', { src: testPhoto('camera.png') });
    assert.equal(r.status, 'error');
    assert.equal(r.error, 'error_inference');
    assert.match(r.error_message, /ddcolor/i);
  });

  it('video-enhance (alias) returns a 2x mp4', async () => {
    const r = await client.runTask('video-enhance', { src: testPhoto('street.mp4'), srcType: 'video/mp4' }, { dst_duration: 4 });
    assert.equal(r.status, 'success', JSON.stringify(r));
    const out = await client.download(r.results[0].data[0].url);
    assert.equal(out.toString('latin1', 4, 8), 'ftyp');
    assert.ok(out.length > 10_000);
  });
});
